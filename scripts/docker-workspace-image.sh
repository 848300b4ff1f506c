#!/usr/bin/env bash
# Builds the workspace image of PREQUEL_RUNTIME=docker (docker/workspace/Dockerfile) when it is
# missing or its recipe changed; cheap (one `docker image inspect`) when it is there.
#   scripts/docker-workspace-image.sh [IMAGE]   (default: $PREQUEL_DOCKER_IMAGE or prequel-workspace:4.100.3)
# The base image comes from scripts/docker-debian-base.sh: pulled, or, where no registry is
# reachable, made from Debian's packages with debootstrap and `docker import`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${PREQUEL_CODE_SERVER_VERSION:-4.100.3}"
image="${1:-${PREQUEL_DOCKER_IMAGE:-prequel-workspace:$version}}"
dockerfile="$here/docker/workspace/Dockerfile"
code_server="${PREQUEL_CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/prequel/code-server-$version}"

say() { printf '[workspace-image] %s\n' "$*" >&2; }

# Debian's docker.io client has BuildKit built in; a newer client without the buildx plugin does not.
docker_cli=docker
if ! docker buildx version >/dev/null 2>&1 && [ -x /usr/bin/docker ]; then docker_cli=/usr/bin/docker; fi

node_bin="$(readlink -f "$(command -v node)")"
node_home="$(dirname "$(dirname "$node_bin")")"
node_version="$(node --version)"
recipe="$( (cat "$dockerfile" "$0"; echo "$version $node_version") | sha256sum | cut -c1-16)"

current="$(docker image inspect -f '{{index .Config.Labels "dev.prequel.recipe"}}' "$image" 2>/dev/null || true)"
if [ "$current" = "$recipe" ]; then
  exit 0
fi

bash "$here/scripts/install-code-server.sh" "$code_server"
case "$node_version" in
  v20.*) ;;
  *) say "code-server $version needs Node 20 on this machine to copy into the image, found $node_version"; exit 1 ;;
esac

bash "$here/scripts/docker-debian-base.sh"

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/node/bin" "$context/node/lib/node_modules"
cp "$node_bin" "$context/node/bin/node"
cp -a "$node_home/lib/node_modules/npm" "$context/node/lib/node_modules/npm"
# hard links when on the same file system: the context is 300 MB
cp -al "$code_server" "$context/code-server" 2>/dev/null || cp -a "$code_server" "$context/code-server"
cp "$dockerfile" "$context/Dockerfile"

say "building $image (a few minutes the first time)"
start=$(date +%s)
DOCKER_BUILDKIT=1 "$docker_cli" build -q --label "dev.prequel.recipe=$recipe" -t "$image" "$context" >/dev/null
say "built $image in $(( $(date +%s) - start )) s"
