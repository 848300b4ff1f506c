#!/usr/bin/env bash
# Makes sure the engine has debian:bookworm-slim, the base of both images (docker/workspace and the
# root Dockerfile): pulled where a registry answers; else made from Debian's packages with
# debootstrap and `docker import`, tagged with the name the Dockerfiles use.
set -euo pipefail

base="debian:bookworm-slim"
say() { printf '[debian-base] %s\n' "$*" >&2; }

if docker image inspect "$base" >/dev/null 2>&1 || docker pull -q "$base" >/dev/null 2>&1; then
  exit 0
fi
command -v debootstrap >/dev/null || { say "debootstrap is missing: apt-get install -y debootstrap"; exit 1; }
say "no registry: making $base from Debian's packages (debootstrap, about 30 s)"
rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
# what the official image has: the security and updates suites, no caches
printf '%s\n' "deb http://deb.debian.org/debian bookworm main" \
  "deb http://deb.debian.org/debian bookworm-updates main" \
  "deb http://deb.debian.org/debian-security bookworm-security main" > "$rootfs/etc/apt/sources.list"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' - "$base" >/dev/null
