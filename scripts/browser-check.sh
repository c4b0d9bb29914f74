#!/usr/bin/env bash
# Load the HTML report and the demo page in headless Chromium and check the
# rendered DOM: the findings are highlighted, and the demo page's script has
# fetched and shown a note's FHIR. Installs Debian's chromium when missing.
# Ends with a "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "browser-check: installing chromium"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
    || { echo "browser-check: cannot install chromium"; echo "0 passed, 1 failed"; exit 1; }
fi
cargo build --release --locked --quiet
BIN=target/release/note2fhir
work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
chrome() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --no-first-run --disable-sync --disable-quic \
    --user-data-dir="$work/profile" "$@" 2>/dev/null
}
passed=0; failed=0
check() { # name, condition result
  if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}

"$BIN" extract fixtures/notes --note-date 2025-03-12 --format html -o "$work/report.html"
chrome --dump-dom "file://$work/report.html" > "$work/report.dom"
marks=$(grep -o '<mark' "$work/report.dom" | wc -l)
[ "$marks" -gt 200 ]; check "report: $marks highlighted mentions in the rendered DOM" $?
grep -q 'm-problem[^>]*>Chest pain' "$work/report.dom"
check "report: a finding is highlighted as text" $?
! grep -q '<script>alert' "$work/report.dom"; check "report: no injected script" $?

"$BIN" serve --port 0 --note-date 2025-03-12 2> "$work/serve.log" &
server_pid=$!
for _ in $(seq 50); do grep -q 'serving on' "$work/serve.log" && break; sleep 0.2; done
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/serve.log" | head -1)
[ -n "$url" ]; check "serve: listening on loopback ($url)" $?
chrome --virtual-time-budget=15000 --dump-dom "$url" > "$work/serve.dom"
marks=$(grep -o '<mark' "$work/serve.dom" | wc -l)
[ "$marks" -gt 10 ]; check "serve: the page fetched the sample note and highlighted $marks mentions" $?
grep -q 'resourceType' "$work/serve.dom"; check "serve: the FHIR Bundle is shown beside the note" $?
if [ -n "${SCREENSHOTS:-}" ]; then
  chrome --window-size=1600,1000 --screenshot="$SCREENSHOTS/report.png" "file://$work/report.html"
  chrome --window-size=1600,1000 --virtual-time-budget=15000 --screenshot="$SCREENSHOTS/serve.png" "$url"
fi
echo "browser-check: $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
