#!/usr/bin/env bash
# coldstart measures what a new user waits for on a fresh machine: the README's two commands
# with empty module and build caches (GOMODCACHE and GOCACHE pointed at new folders), phase
# by phase: the module download, the compile of each heavy dependency, the rest with the link,
# the demo serving its page, and the README's test command. Each phase prints its seconds
# and the bytes it left in the caches.
#
# Usage: scripts/coldstart/coldstart.sh [demo|phases|tests|testphases]...   (default: the first three)
#   demo    go run ./cmd/ticketbot demo, as the README says it, until the page answers
#   phases  the same work phase by phase (the phases run one after another, so they add up to
#           more than demo, where go compiles modules side by side)
#   tests   the README's test command (go test -race ./...)
#   testphases  the same in three steps: download; compile and link every test binary
#           (-run '^$' runs none); then the command itself, now mostly the tests' own run
# Each mode starts from empty caches of its own.
set -euo pipefail
cd "$(dirname "$0")/../.."
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(demo phases tests)
root=$(mktemp -d)
trap 'chmod -R u+w "$root" 2>/dev/null; rm -rf "$root"' EXIT
export GOFLAGS="-mod=readonly"
fresh() { chmod -R u+w "$root" 2>/dev/null; rm -rf "$root"/*; export GOMODCACHE="$root/mod" GOCACHE="$root/build"; }
size() { du -sb "$1" 2>/dev/null | cut -f1; }
phase() { # name, command...
  local name=$1; shift
  local t0; t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$root/err" || { cat "$root/err" >&2; exit 1; }
  printf '%-34s %7.1f s   modcache %5d MB   buildcache %5d MB\n' "$name" "$(echo "$(date +%s.%N) - $t0" | bc)" \
    $(( $(size "$GOMODCACHE" || echo 0) / 1000000 )) $(( $(size "$GOCACHE" || echo 0) / 1000000 ))
}
# waitPage waits for the demo whose log is $1 to answer its page.
waitPage() {
  for _ in $(seq 1 6000); do
    if url=$(grep -o 'http://127.0.0.1:[0-9]*' "$1" | head -n1) && [ -n "$url" ] && curl -fsS "$url" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}
echo "go: $(go version); $(nproc) cores"
for mode in "${modes[@]}"; do
fresh
case $mode in
demo)
t0=$(date +%s.%N)
go run ./cmd/ticketbot demo --listen 127.0.0.1:0 >"$root/demo.log" 2>&1 &
pid=$!
waitPage "$root/demo.log" || { cat "$root/demo.log" >&2; exit 1; }
printf '%-34s %7.1f s   modcache %5d MB   buildcache %5d MB\n' "demo: go run until the page answers" "$(echo "$(date +%s.%N) - $t0" | bc)" \
  $(( $(size "$GOMODCACHE") / 1000000 )) $(( $(size "$GOCACHE") / 1000000 ))
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
pkill -f "ticketbot demo --listen 127.0.0.1:0" 2>/dev/null || true
;;
phases)
phase "download (go mod download)" go mod download
phase "compile ncruces/go-sqlite3" go build github.com/ncruces/go-sqlite3/driver
phase "compile pgx" go build github.com/jackc/pgx/v5/stdlib
# The Feishu SDK in two parts: what ticketbot calls (events, card callbacks, messages), then
# the root package, which the long connection (ws) imports for one constant and which
# imports every API service of the SDK.
phase "compile lark: core, events, im" go build github.com/larksuite/oapi-sdk-go/v3/event/dispatcher \
  github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback github.com/larksuite/oapi-sdk-go/v3/service/im/v1
phase "compile lark: root (every service)" go build github.com/larksuite/oapi-sdk-go/v3 github.com/larksuite/oapi-sdk-go/v3/ws
phase "compile silenceper/wechat" go build github.com/silenceper/wechat/v2/work
# gin in three parts: HTTP/3 (quic-go, for RunQUIC), the body codecs its binding and render
# packages import (BSON, protobuf, msgpack, YAML, TOML, the validator), then gin itself.
phase "compile gin: http3 (quic-go)" go build github.com/quic-go/quic-go/http3
phase "compile gin: codecs, validator" go build go.mongodb.org/mongo-driver/v2/bson google.golang.org/protobuf/proto \
  github.com/ugorji/go/codec github.com/goccy/go-yaml github.com/pelletier/go-toml/v2 github.com/go-playground/validator/v10
phase "compile gin" go build github.com/gin-gonic/gin
phase "compile prometheus client" go build github.com/prometheus/client_golang/prometheus
phase "compile the rest and link" go build -o "$root/ticketbot" ./cmd/ticketbot
printf 'binary: %d MB\n' $(( $(size "$root/ticketbot") / 1000000 ))
# The demo from here: the binary is built; what is left is its start until the page answers.
t0=$(date +%s.%N)
"$root/ticketbot" demo --listen 127.0.0.1:0 >"$root/demo.log" 2>&1 &
pid=$!
waitPage "$root/demo.log" || { cat "$root/demo.log" >&2; exit 1; }
printf '%-34s %7.1f s\n' "demo: start until the page answers" "$(echo "$(date +%s.%N) - $t0" | bc)"
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
;;
tests)
phase "tests: go test -race ./..." go test -race ./...
;;
testphases)
phase "download (go mod download)" go mod download
phase "tests: compile and link, run none" go test -race -run '^$' ./...
phase "tests: go test -race ./... after that" go test -race ./...
;;
*) echo "unknown mode $mode (demo, phases, tests, testphases)" >&2; exit 2 ;;
esac
done
