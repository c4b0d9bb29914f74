#!/usr/bin/env bash
# Spark check of the pipe contract and the Python package (issue #9).
#
# Creates or reuses a venv with pinned PySpark, builds the release CLI and the
# Python wheel, generates a 10k-note corpus and the CLI's own outputs for it,
# then runs scripts/spark_job.py: the corpus through Spark SQL TRANSFORM,
# rdd.pipe and mapInArrow + note2fhir.extract_many, and the Bulk layout.
# Prints one line per check and ends with "N passed, M failed"; exits 1 if
# any check failed. Safe to run again: the venv is kept, the rest is redone.
#
#   NOTE2FHIR_SPARK_VENV  the venv (default ~/.cache/note2fhir-spark-venv)
#   NOTE2FHIR_SPARK_WORK  scratch folder (default $CARGO_TARGET_DIR/spark-test)
#   NOTE2FHIR_SPARK_NOTES corpus size (default 10000)
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${NOTE2FHIR_SPARK_VENV:-$HOME/.cache/note2fhir-spark-venv}
target=${CARGO_TARGET_DIR:-$root/target}
work=${NOTE2FHIR_SPARK_WORK:-$target/spark-test}
notes=${NOTE2FHIR_SPARK_NOTES:-10000}
# Pinned together: pyspark 4.3.0 wants pyarrow >= 15 and pandas >= 2.2;
# pyarrow 26.0.1 has cp311 manylinux wheels.
pins=(pyspark==4.3.0 pyarrow==26.0.1 'pandas>=2.2,<3' maturin==1.16.0)

# A recorded instant would add a Provenance to every Bundle of one route only.
unset SOURCE_DATE_EPOCH
export SPARK_LOCAL_IP=127.0.0.1

passed=0
failed=0
start=$SECONDS
pass() { passed=$((passed + 1)); echo "PASS  $1"; }
fail() {
    failed=$((failed + 1))
    echo "FAIL  $1"
    if [[ -n ${2:-} && -f $2 ]]; then tail -n 20 "$2" | sed 's/^/      /'; fi
}
finish() {
    echo "$passed passed, $failed failed"
    [[ $failed -eq 0 ]]
    exit
}
elapsed() { echo "$((SECONDS - $1)) s"; }

rm -rf "$work"
mkdir -p "$work"

# Java 17 or later for Spark 4.
t=$SECONDS
if ! command -v java >/dev/null && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    { apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless; } \
        >"$work/java.log" 2>&1
fi
if java -version >"$work/java.log" 2>&1; then
    pass "java: $(head -n 1 "$work/java.log") ($(elapsed "$t"))"
else
    fail "java: none found (Spark 4 needs Java 17)" "$work/java.log"
    finish
fi

# The venv: made once, reinstalled only when the pins change.
t=$SECONDS
stamp="$venv/.note2fhir-pins"
if [[ -x $venv/bin/python && -f $stamp && $(cat "$stamp") == "${pins[*]}" ]]; then
    pass "venv: reused $venv ($(elapsed "$t"))"
elif { [[ -x $venv/bin/python ]] || "${PYTHON:-python3.11}" -m venv "$venv" ||
    python3 -m venv "$venv"; } >"$work/venv.log" 2>&1 &&
    "$venv/bin/pip" install --disable-pip-version-check "${pins[@]}" >>"$work/venv.log" 2>&1; then
    echo "${pins[*]}" >"$stamp"
    pass "venv: installed ${pins[*]} ($(elapsed "$t"))"
else
    fail "venv: could not install ${pins[*]}" "$work/venv.log"
    finish
fi
py=$venv/bin/python

# The release CLI.
t=$SECONDS
cli=$target/release/note2fhir
if (cd "$root" && cargo build --release --locked) >"$work/cargo.log" 2>&1; then
    pass "cargo build --release ($(elapsed "$t"))"
else
    fail "cargo build --release" "$work/cargo.log"
    finish
fi

# The wheel, installed over any earlier one.
t=$SECONDS
if (cd "$root" && "$venv/bin/maturin" build --release --locked -m python/Cargo.toml \
    --out "$work/wheels") >"$work/maturin.log" 2>&1 &&
    "$venv/bin/pip" install --disable-pip-version-check --force-reinstall --no-deps \
        "$work"/wheels/note2fhir-*.whl >>"$work/maturin.log" 2>&1 &&
    version=$("$py" -c 'import note2fhir; print(note2fhir.__version__)' 2>>"$work/maturin.log"); then
    pass "wheel: $(basename "$work"/wheels/note2fhir-*.whl) installed, note2fhir $version ($(elapsed "$t"))"
else
    fail "wheel: maturin build or install" "$work/maturin.log"
    finish
fi

# The corpus and the CLI's own outputs for it: the references.
t=$SECONDS
corpus=$work/notes.jsonl
if "$cli" gen --notes "$notes" --seed 5 -o "$corpus" 2>"$work/gen.log" &&
    "$cli" extract --format bundle --on-error outcome <"$corpus" \
        >"$work/cli-bundles.ndjson" 2>"$work/cli.log" &&
    "$cli" extract --format bulk --on-error outcome -o "$work/cli-bulk" <"$corpus" \
        2>>"$work/cli.log"; then
    pass "corpus: $(wc -l <"$corpus") notes (--seed 5) and the CLI's bundles and bulk folder ($(elapsed "$t"))"
else
    fail "corpus or CLI reference" "$work/cli.log"
    finish
fi

# The Spark job. Its stdout is its check lines; Spark's logs go to job.log.
t=$SECONDS
export PYSPARK_PYTHON=$py PYSPARK_DRIVER_PYTHON=$py
export PYSPARK_SUBMIT_ARGS="--master local[2] --driver-java-options '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC' pyspark-shell"
"$py" "$root/scripts/spark_job.py" --cli "$cli" --corpus "$corpus" \
    --reference "$work/cli-bundles.ndjson" --reference-bulk "$work/cli-bulk" \
    --work "$work" >"$work/job.out" 2>"$work/job.log"
code=$?
cat "$work/job.out"
passed=$((passed + $(grep -c '^PASS ' "$work/job.out")))
failed=$((failed + $(grep -c '^FAIL ' "$work/job.out")))
if [[ $code -eq 0 ]]; then
    pass "spark job: exit 0 ($(elapsed "$t"); script $(elapsed "$start"))"
else
    fail "spark job: exit $code ($(elapsed "$t"))" "$work/job.log"
fi
finish
