#!/usr/bin/env bash
# Sigil's main job end to end, on a fresh machine: make a key, sign a real npm
# tarball (left-pad 1.3.0 from the registry, by `npm pack`), verify it, and watch a tampered copy fail; then
# run the registry on its embedded default, publish the release, fetch it back
# verified, swap the stored tarball and watch the fetch refuse it. Nothing
# outlives the script: the registry is stopped on every exit (test/demo.test.ts).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -f "$root/dist/cli/main.js" ] || (cd "$root" && npm run build --silent)
sigil() { node "$root/bin/sigil.js" "$@"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/sigil-demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export SIGIL_PASSPHRASE="${SIGIL_PASSPHRASE:-demo passphrase}"

# Bold only on a terminal that wants colour (NO_COLOR, https://no-color.org): no escapes into files or pipes.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m'; plain=$'\033[0m'; else bold=''; plain=''; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }

# A real npm tarball: left-pad 1.3.0 as the registry serves it (from npm's cache when it is there).
# Offline and not cached: a home-made package of the same name and version, packed by npm.
step "npm pack left-pad@1.3.0"
if (cd "$work" && npm pack left-pad@1.3.0 --silent --prefer-offline --fetch-retries=0 --fetch-timeout=15000 >/dev/null 2>&1); then
  echo "left-pad-1.3.0.tgz (from the npm registry)"
else
  echo "(npm registry unreachable and left-pad not in the npm cache: packing a stand-in left-pad 1.3.0)"
  mkdir -p "$work/left-pad"
  cat > "$work/left-pad/package.json" <<'JSON'
{ "name": "left-pad", "version": "1.3.0", "main": "index.js", "license": "WTFPL" }
JSON
  echo 'module.exports = (s, n, c = " ") => String(s).padStart(n, c);' > "$work/left-pad/index.js"
  (cd "$work/left-pad" && npm pack --silent --pack-destination "$work" >/dev/null)
fi
tgz="$work/left-pad-1.3.0.tgz"

step "sigil keygen --out keys"
sigil keygen --out "$work/keys"
key=$(ls "$work"/keys/*.key); pub=$(ls "$work"/keys/*.pub)

step "sigil sign left-pad-1.3.0.tgz --key $(basename "$key")"
sigil sign "$tgz" --key "$key"

step "sigil verify left-pad-1.3.0.tgz --key $(basename "$pub")"
sigil verify "$tgz" --key "$pub"

cp "$tgz" "$work/left-pad-1.3.0-tampered.tgz"
printf '\x01' | dd of="$work/left-pad-1.3.0-tampered.tgz" bs=1 seek=100 conv=notrunc status=none
step "sigil verify left-pad-1.3.0-tampered.tgz --bundle left-pad-1.3.0.tgz.sigstore.json --key $(basename "$pub")"
set +e
sigil verify "$work/left-pad-1.3.0-tampered.tgz" --bundle "$tgz.sigstore.json" --key "$pub"
code=$?
set -e
echo "exit code: $code (1 = verification failed, as it should)"
[ "$code" = 1 ]

# ---- the registry: sigil serve on its embedded default (SQLite + files) ----
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
url="http://127.0.0.1:$port"
step "sigil serve --data data -p $port &"
# Started with node directly (not through the sigil function, whose subshell would get the PID): $! is the registry.
node "$root/bin/sigil.js" serve --data "$work/data" -p "$port" > "$work/serve.out" 2>&1 &
server=$!
stop_server() { kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$work"; }
trap stop_server EXIT
for _ in $(seq 50); do grep -q 'admin token' "$work/serve.out" 2>/dev/null && break; sleep 0.2; done
cat "$work/serve.out"
token=$(grep -o 'sgl_[A-Za-z0-9]*' "$work/serve.out")
export SIGIL_CONFIG_DIR="$work/config"

step "sigil publish left-pad-1.3.0.tgz --server $url --key $(basename "$key") --token sgl_…"
sigil publish "$tgz" --server "$url" --key "$key" --token "$token"

step "sigil fetch pkg:npm/left-pad@1.3.0 --server $url"
mkdir -p "$work/download"
sigil fetch pkg:npm/left-pad@1.3.0 --server "$url" -o "$work/download"

node "$root/scripts/swap-stored-blob.mjs" "$work/data" "$(sha256sum "$tgz" | cut -d' ' -f1)"
step "# someone swaps the stored tarball on the server … then: sigil fetch pkg:npm/left-pad@1.3.0"
set +e
sigil fetch pkg:npm/left-pad@1.3.0 --server "$url" -o "$work/download2"
code=$?
set -e
# The registry itself refuses stored bytes that do not hash to their name (500 STORAGE_ERROR); a
# registry that served them anyway would meet sigil fetch's own check (exit 1). Either way: nothing written.
echo "exit code: $code (not 0 = the swapped tarball was refused; nothing was written)"
[ "$code" != 0 ] && [ -z "$(ls -A "$work/download2" 2>/dev/null)" ]
