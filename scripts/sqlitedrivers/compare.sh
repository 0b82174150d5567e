#!/usr/bin/env bash
# compare measures the embedded SQLite drivers ticketbot could use, in one run on this
# machine, so the choice in store/sqlite_driver.go rests on figures rather than habit:
#
#   ncruces  github.com/ncruces/go-sqlite3: SQLite compiled to WebAssembly, translated to Go
#            (the driver store/sqlite_driver.go uses)
#   modernc  modernc.org/sqlite: SQLite's C translated to Go (the driver before it)
#   mattn    github.com/mattn/go-sqlite3: cgo, SQLite's C compiled by the machine's gcc
#
# For each driver, from a copy of HEAD (store/sqlite_driver.go replaced by the driver's
# variant, variants/<driver>.go, where it has one) and empty module and build caches of its
# own:
#   1. go mod download: seconds and module cache bytes
#   2. go build ./cmd/ticketbot from an empty build cache: seconds, binary bytes
#   3. go test -race -c ./store (the test command's heaviest part for the driver): seconds
#   4. go test ./store: the store's own tests, unchanged, must pass
#   5. the store's benchmarks (delivery-id dedupe with group commit, the inbox's group
#      commit, a job's lease and finish, ticket snapshot writes), -count times
#
# Usage: scripts/sqlitedrivers/compare.sh [-count N] [driver...]   (default: all three, N=5)
# The benchmark lines are left in $OUT (default /tmp/sqlitedrivers) as <driver>.bench, for
# benchstat. The machine should be otherwise idle: the compile times are wall-clock.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
count=5
if [ "${1:-}" = "-count" ]; then count=$2; shift 2; fi
drivers=("$@")
[ ${#drivers[@]} -gt 0 ] || drivers=(ncruces modernc mattn)
out=${OUT:-/tmp/sqlitedrivers}
mkdir -p "$out"
root=$(mktemp -d)
trap 'chmod -R u+w "$root" 2>/dev/null; rm -rf "$root"' EXIT

# The module each variant needs, and the one it replaces (the driver HEAD uses).
declare -A module=(
  [modernc]=modernc.org/sqlite@v1.38.2
  [mattn]=github.com/mattn/go-sqlite3@v1.14.53
)
current=github.com/ncruces/go-sqlite3
benches='MarkProcessedBatch|Spill/64|JobLifecycle|EnqueueJobConcurrent|SaveTicket'

secs() { echo "$(date +%s.%N) - $1" | bc; }
mb() { echo $(( $(du -sb "$1" | cut -f1) / 1000000 )); }

echo "go: $(go version); $(nproc) cores; gcc: $(gcc --version 2>/dev/null | head -n1 || echo none)"
printf '%-8s %10s %9s %12s %9s %10s %8s\n' driver download modcache "build bin" "bin MB" "race store" tests
for d in "${drivers[@]}"; do
  src="$root/$d"
  mkdir -p "$src"
  git -C "$repo" archive HEAD | tar -x -C "$src"
  export GOMODCACHE="$root/mod-$d" GOCACHE="$root/build-$d" GOFLAGS=
  if [ -f "$here/variants/$d.go" ]; then
    sed '1,2d' "$here/variants/$d.go" >"$src/store/sqlite_driver.go"
    # The variant's module comes from a shared cache, so this step is not timed.
    (cd "$src" && GOMODCACHE="$root/mod-shared" go get "${module[$d]}" "$current@none" >/dev/null 2>&1 \
      && GOMODCACHE="$root/mod-shared" go mod tidy >/dev/null 2>&1)
  fi
  cd "$src"
  t=$(date +%s.%N); go mod download; dl=$(secs "$t")
  t=$(date +%s.%N); go build -o "$root/bin-$d" ./cmd/ticketbot; build=$(secs "$t")
  t=$(date +%s.%N); go test -race -c -o /dev/null ./store; race=$(secs "$t")
  tests=pass
  go test -count=1 ./store >"$out/$d.test" 2>&1 || tests=FAIL
  printf '%-8s %8.1f s %6d MB %10.1f s %9d %8.1f s %8s\n' "$d" "$dl" "$(mb "$GOMODCACHE")" "$build" \
    "$(mb "$root/bin-$d")" "$race" "$tests"
  go test -run '^$' -bench "$benches" -benchmem -count "$count" ./store >"$out/$d.bench" 2>&1 || true
  cd "$repo"
  chmod -R u+w "$GOMODCACHE" "$GOCACHE"; rm -rf "$GOMODCACHE" "$GOCACHE" "$src"
done
echo "benchmarks: $out/<driver>.bench (benchstat $out/ncruces.bench $out/modernc.bench $out/mattn.bench)"
