#!/usr/bin/env bash
# Whole-process benchmark: generate corpora with `note2fhir gen`, then time
# `extract` for -j1 and -j2, mentions and bundle output written to a file,
# as medians of RUNS runs, with peak RSS from /usr/bin/time -v.
#
#   benches/run.sh                 # 100 MB and 1 GB corpora, 3 runs each
#   SIZES="100" RUNS=3 benches/run.sh
#
# Large outputs are deleted after each run. Results go to stdout as a
# Markdown table (paste into BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"100 1000"}
RUNS=${RUNS:-3}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
cargo build --release --quiet
BIN=target/release/note2fhir
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "| corpus | format | threads | median s | MB/s | notes/s | peak RSS MB |"
echo "|---|---|---|---|---|---|---|"
for mb in $SIZES; do
  corpus="$WORK/corpus-${mb}mb.jsonl"
  # About 1.1 KB of text per generated note.
  notes=$(( mb * 1000000 / 1100 ))
  "$BIN" gen --notes "$notes" --seed 7 -o "$corpus"
  bytes=$(python3 -c "import json,sys; print(sum(len(json.loads(l)['text'].encode()) for l in open(sys.argv[1])))" "$corpus")
  count=$(wc -l < "$corpus")
  for format in mentions bundle; do
    for j in 1 2; do
      times=(); rss=()
      for _ in $(seq "$RUNS"); do
        /usr/bin/time -v "$BIN" extract "$corpus" --format "$format" -j "$j" --no-progress -o "$WORK/out" 2> "$WORK/time.txt"
        times+=("$(grep 'Elapsed (wall clock)' "$WORK/time.txt" | awk -F': ' '{split($2,t,":"); if (length(t)==3) print t[1]*3600+t[2]*60+t[3]; else print t[1]*60+t[2]}')")
        rss+=("$(grep 'Maximum resident' "$WORK/time.txt" | awk '{print $6}')")
        rm -f "$WORK/out"
      done
      t=$(printf '%s\n' "${times[@]}" | median)
      r=$(printf '%s\n' "${rss[@]}" | median)
      printf '| %s MB | %s | -j%s | %s | %.1f | %.0f | %.0f |\n' "$mb" "$format" "$j" "$t" \
        "$(echo "$bytes / 1000000 / $t" | bc -l)" "$(echo "$count / $t" | bc -l)" "$(echo "$r / 1024" | bc -l)"
    done
  done
  rm -f "$corpus"
done
