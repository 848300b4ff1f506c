#!/usr/bin/env bash
# Builds Prequel's own image from the root Dockerfile and the jar in target/ (`./prequel image`
# builds the jar first).
#   scripts/docker-prequel-image.sh [--check] [IMAGE]   (default IMAGE: prequel:latest)
# --check: then runs the image as deploy/compose does (host network, the engine's socket, a
# throw-away data volume) on a free port, waits for /healthz to answer 200, and removes it again.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check=false
if [ "${1:-}" = "--check" ]; then check=true; shift; fi
image="${1:-prequel:latest}"

say() { printf '[prequel-image] %s\n' "$*" >&2; }

[ -f "$here/target/prequel.jar" ] || { say "target/prequel.jar is missing: mvn -DskipTests package (./prequel image does)"; exit 1; }

# Debian's docker.io client has BuildKit built in; a newer client without the buildx plugin does not.
docker_cli=docker
if ! docker buildx version >/dev/null 2>&1 && [ -x /usr/bin/docker ]; then docker_cli=/usr/bin/docker; fi

bash "$here/scripts/docker-debian-base.sh"
say "building $image"
start=$(date +%s)
DOCKER_BUILDKIT=1 "$docker_cli" build -q -t "$image" "$here" >/dev/null
say "built $image in $(( $(date +%s) - start )) s"

$check || exit 0
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
name="prequel-image-check-$$"
trap 'docker rm -f "$name" >/dev/null 2>&1 || true; docker volume rm "$name" >/dev/null 2>&1 || true' EXIT
docker run -d --name "$name" --network host --cap-add NET_ADMIN \
  -v /var/run/docker.sock:/var/run/docker.sock -v "$name:/data" \
  -e PREQUEL_PORT="$port" -e PREQUEL_BIND=127.0.0.1 -e PREQUEL_DOCKER_SCOPE="$name" "$image" >/dev/null
for _ in $(seq 1 120); do
  if health="$(curl -fsS "http://127.0.0.1:$port/healthz" 2>/dev/null)"; then
    say "docker run $image serves /healthz: $health"
    exit 0
  fi
  sleep 1
done
say "no answer on /healthz within 120 s; its log:"
docker logs "$name" 2>&1 | tail -20 >&2
exit 1
