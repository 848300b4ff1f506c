#!/usr/bin/env bash
# Installs code-server into a cache folder of its own, offline-safe on Debian + Node 20.
# Idempotent: a finished install (marked by .prequel-installed) is reused.
# Usage: install-code-server.sh [DEST]   (default: $PREQUEL_CODE_SERVER_DIR or ~/.cache/prequel/code-server-VERSION)
set -euo pipefail

version="${PREQUEL_CODE_SERVER_VERSION:-4.100.3}"
dest="${1:-${PREQUEL_CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/prequel/code-server-$version}}"
entry="$dest/node_modules/code-server/out/node/entry.js"

if [ -f "$dest/.prequel-installed" ] && [ -f "$entry" ]; then
  exit 0
fi

say() { printf '[code-server] %s\n' "$*" >&2; }

command -v node >/dev/null || { say "node is missing: apt-get install -y nodejs npm"; exit 1; }
command -v npm >/dev/null || { say "npm is missing: apt-get install -y npm"; exit 1; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != "20" ] && [ "$version" = "4.100.3" ]; then
  say "code-server $version needs Node 20, found $(node --version)"; exit 1
fi

# Trap 2: @vscode/ripgrep downloads rg from GitHub. Offer Debian's rg as the cached tarball it looks for.
rg_bin=$(command -v rg || true)
if [ -z "$rg_bin" ]; then
  say "ripgrep is missing: apt-get install -y ripgrep"; exit 1
fi
tmp="${TMPDIR:-/tmp}"
case "$version" in
  4.100.3) rg_cache="$tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" ;;
  4.117.0) rg_cache="$tmp/vscode-ripgrep-cache-1.17.1/ripgrep-v15.0.1-x86_64-unknown-linux-musl.tar.gz" ;;
  *) rg_cache="" ;;
esac
if [ -n "$rg_cache" ] && [ ! -f "$rg_cache" ]; then
  mkdir -p "$(dirname "$rg_cache")"
  stage=$(mktemp -d)
  cp "$rg_bin" "$stage/rg"
  tar -C "$stage" -czf "$rg_cache" rg
  rm -rf "$stage"
fi

# Trap 3: node-pty's postinstall runs npx node-gyp; headers must come from the system, not the internet.
export npm_config_yes=true
export npm_config_unsafe_perm=true
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi

say "installing code-server $version into $dest (first use only; about a minute)"
rm -rf "$dest.partial"
mkdir -p "$dest.partial"
cd "$dest.partial"
# Trap 1: install locally, never with -g.
npm init -y >/dev/null
if ! npm install --no-audit --no-fund "code-server@$version" >&2; then
  say "npm install failed (see its output above)"; exit 1
fi
if [ ! -f "$dest.partial/node_modules/code-server/out/node/entry.js" ]; then
  say "install failed (see the npm output above)"; exit 1
fi
touch "$dest.partial/.prequel-installed"
rm -rf "$dest"
mv "$dest.partial" "$dest"
say "installed: $dest"
