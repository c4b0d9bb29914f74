"""Convert a JSONL corpus of notes with PySpark, three ways, and check the results.

Run by scripts/spark-test.sh (issue #9), which builds the CLI and the wheel
and makes the reference outputs. The routes, as in docs/spark.md:

  (a) Spark SQL: SELECT TRANSFORM(value) USING 'note2fhir extract ...'
  (b) rdd.pipe('note2fhir extract ...', env=..., checkCode=True)
  (c) mapInArrow calling the Python package's note2fhir.extract_many
  (c)-bulk: --format bulk through rdd.pipe, written partitioned by
      resourceType and laid out as Type.ndjson files plus manifest.json

Each check prints one line, "PASS  name (detail)" or "FAIL  name (detail)";
the calling script counts them. Exits 1 if any check failed.
"""

import argparse
import collections
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

# The driver JVM starts when the session is built; keep it small and quick.
JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

RESULTS = []


def check(name, ok, detail=""):
    """Print one check line and remember its outcome."""
    RESULTS.append(bool(ok))
    line = f"{'PASS' if ok else 'FAIL'}  {name}"
    if detail:
        line += f" ({detail})"
    print(line, flush=True)


def raises(action, *wanted):
    """Run a Spark action; return None, or the first line of its error
    that contains one of `wanted` (else the first line)."""
    try:
        action()
    except Exception as err:  # Py4JJavaError, PythonException, PySparkRuntimeError, ...
        lines = [line.strip() for line in str(err).splitlines() if line.strip()]
        lines = lines or [type(err).__name__]
        for line in lines:
            at = min((line.find(w) for w in wanted if w in line), default=-1)
            if at >= 0:
                return line[max(0, at - 60):][:200]
        return lines[0][:200]
    return None


def bundle_note_id(line):
    """The note id of a Bundle line: its DocumentReference's identifier value."""
    doc = json.loads(line)
    for entry in doc.get("entry", []):
        resource = entry.get("resource", {})
        if resource.get("resourceType") == "DocumentReference":
            return resource["identifier"][0]["value"]
    return None


def keyed(line):
    """(note id, SHA-256 of the line's bytes): what the checks compare."""
    return bundle_note_id(line), hashlib.sha256(line.encode("utf-8")).hexdigest()


def check_route(route, pairs, expected):
    """Count, every id exactly once, and byte identity with the CLI."""
    check(f"{route}: output count = input count", len(pairs) == len(expected),
          f"{len(pairs)} of {len(expected)}")
    seen = collections.Counter(note_id for note_id, _ in pairs)
    missing = sum(1 for note_id in expected if seen[note_id] == 0)
    repeated = sum(1 for count in seen.values() if count > 1)
    unknown = sum(1 for note_id in seen if note_id not in expected)
    check(f"{route}: every note id exactly once", not (missing or repeated or unknown),
          f"{missing} missing, {repeated} repeated, {unknown} unknown")
    differ = sum(1 for note_id, digest in pairs if expected.get(note_id) != digest)
    check(f"{route}: bundles byte-identical to the CLI's", differ == 0,
          f"{len(pairs) - differ} identical, {differ} differ")


# --- Route (a): Spark SQL script transform ---------------------------------

def route_sql(spark, corpus, cli):
    notes = spark.read.text(corpus)  # one row per JSONL line, column `value`
    notes.createOrReplaceTempView("notes")
    return spark.sql(f"""
        SELECT TRANSFORM(value)
        USING '{cli} extract --format bundle --on-error outcome'
        AS (bundle STRING)
        FROM notes""")


# --- Route (b): rdd.pipe ---------------------------------------------------

def route_pipe(sc, corpus, cli, env):
    lines = sc.textFile(corpus, minPartitions=4)
    # PySpark starts the child with exactly `env` (empty by default), and
    # only checkCode=True turns a non-zero exit into a failed task.
    return lines.pipe(f"{cli} extract --format bundle --on-error outcome",
                      env=env, checkCode=True)


# --- Route (c): the Python package in mapInArrow ---------------------------

def convert_batches(batches):
    """mapInArrow function: JSONL lines in, (id, bundle) rows out."""
    import pyarrow as pa
    import note2fhir

    for batch in batches:
        notes = [json.loads(line) for line in batch.column("value").to_pylist()]
        yield pa.RecordBatch.from_pydict({
            "id": [note["id"] for note in notes],
            "bundle": note2fhir.extract_many(notes),  # parallel, GIL released
        })


def route_arrow(spark, corpus):
    notes = spark.read.text(corpus)
    return notes.mapInArrow(convert_batches, "id string, bundle string")


# --- Route (c)-bulk: resources by type, then the Bulk layout ---------------

def route_bulk(spark, sc, corpus, cli, env, parts_dir):
    from pyspark.sql import functions as F

    resources = sc.textFile(corpus, minPartitions=4).pipe(
        f"{cli} extract --format bulk --on-error outcome", env=env, checkCode=True)
    df = (spark.createDataFrame(resources.map(lambda line: (line,)), "value string")
          .withColumn("resourceType", F.get_json_object("value", "$.resourceType")))
    # Every note's output repeats its Patient and the Device: keep one copy of
    # each, as `note2fhir extract --format bulk -o DIR` does.
    shared = F.col("resourceType").isin("Patient", "Device")
    df = df.where(~shared).unionByName(df.where(shared).dropDuplicates(["value"]))
    # One task per type, so each type directory holds a single part file.
    (df.repartition("resourceType")
       .write.mode("overwrite").partitionBy("resourceType").text(parts_dir))
    return df


def publish_bulk(parts_dir, out_dir, request):
    """Turn Spark's `resourceType=T/part-*.txt` into `T.ndjson` + manifest.json.

    A part file is renamed when it is the type's only one, and the parts are
    concatenated otherwise. The manifest has the shape of a Bulk Data export
    manifest, with file names relative to `out_dir` as `url`s.
    """
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    manifest = {"request": request, "requiresAccessToken": False, "output": [], "error": []}
    for type_dir in sorted(Path(parts_dir).glob("resourceType=*")):
        kind = type_dir.name.split("=", 1)[1]
        parts = sorted(p for p in type_dir.iterdir() if p.name.startswith("part-"))
        target = out / f"{kind}.ndjson"
        if len(parts) == 1:
            parts[0].rename(target)
        else:
            with target.open("wb") as sink:
                for part in parts:
                    with part.open("rb") as source:
                        shutil.copyfileobj(source, sink)
        with target.open("rb") as written:
            count = sum(1 for _ in written)
        entry = {"type": kind, "url": target.name, "count": count}
        manifest["error" if kind == "OperationOutcome" else "output"].append(entry)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


# ---------------------------------------------------------------------------

def session():
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (SparkSession.builder.master("local[2]").appName("note2fhir-spark-test")
            .config("spark.driver.extraJavaOptions", JVM_OPTIONS)
            .config("spark.driver.memory", "2g")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.files.maxPartitionBytes", "2m")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", "500")
            .getOrCreate())


def lines_digest(path):
    """Sorted SHA-256 digests of a file's lines: its lines as a multiset."""
    with open(path, "rb") as f:
        return sorted(hashlib.sha256(line.rstrip(b"\n")).digest() for line in f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True, help="absolute path of note2fhir")
    parser.add_argument("--corpus", required=True, help="notes, JSONL")
    parser.add_argument("--reference", required=True,
                        help="the CLI's --format bundle output for the corpus")
    parser.add_argument("--reference-bulk", required=True,
                        help="the CLI's --format bulk -o DIR folder for the corpus")
    parser.add_argument("--work", required=True, help="a scratch folder")
    args = parser.parse_args()
    cli, corpus, work = args.cli, str(Path(args.corpus).resolve()), Path(args.work)
    if not os.path.isabs(cli) or "'" in cli or " " in cli:
        sys.exit(f"--cli must be an absolute path without quotes or spaces: {cli!r}")

    # The reference: the CLI's own output, keyed by the corpus's note ids.
    with open(corpus, encoding="utf-8") as f:
        records = [line.rstrip("\n") for line in f]
    ids = [json.loads(record)["id"] for record in records]
    with open(args.reference, encoding="utf-8") as f:
        ref_lines = [line.rstrip("\n") for line in f]
    check("cli: one bundle per corpus line", len(ref_lines) == len(ids),
          f"{len(ref_lines)} of {len(ids)}")
    expected = {i: hashlib.sha256(b.encode("utf-8")).hexdigest() for i, b in zip(ids, ref_lines)}
    check("cli: note ids unique and in the bundles",
          len(expected) == len(ids) and all(bundle_note_id(b) == i for i, b in zip(ids, ref_lines)))

    spark = session()
    sc = spark.sparkContext
    sc.setLogLevel("ERROR")
    jvm_args = " ".join(sc._jvm.java.lang.management.ManagementFactory
                        .getRuntimeMXBean().getInputArguments())
    check("spark: driver JVM has the small-machine options",
          "-XX:TieredStopAtLevel=1" in jvm_args and "-XX:+UseSerialGC" in jvm_args,
          f"Spark {spark.version}, {sc.master}")

    # PySpark gives a piped child an empty environment; pass what it needs.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    crash = f"sh -c \"head -n 20 | {cli} extract --format bundle --on-error outcome; exit 3\""
    late = f"sh -c \"{cli} extract --format bundle --on-error outcome; exit 3\""

    # (a) Spark SQL TRANSFORM
    sql = route_sql(spark, corpus, cli)
    check_route("(a) SQL TRANSFORM", sql.rdd.map(lambda row: keyed(row.bundle)).collect(), expected)
    err = raises(lambda: spark.sql(
        f"SELECT TRANSFORM(value) USING '{crash}' AS (bundle STRING) FROM notes").count(),
        "exit", "status", "Broken pipe")
    check("(a) SQL TRANSFORM: a child that exits 3 mid-partition fails the query",
          err is not None, err or "no error raised")
    err = raises(lambda: spark.sql(
        f"SELECT TRANSFORM(value) USING '{late}' AS (bundle STRING) FROM notes").count(),
        "exit", "status")
    check("(a) SQL TRANSFORM: a child that converts everything, then exits 3, fails the query",
          err is not None, err or "no error raised")

    # (b) rdd.pipe
    piped = route_pipe(sc, corpus, cli, env)
    check_route("(b) rdd.pipe", piped.map(keyed).collect(), expected)
    lines = sc.textFile(corpus, minPartitions=4)
    err = raises(lambda: lines.pipe(crash, env=env, checkCode=True).count(),
                 "PIPE_FUNCTION_EXITED")
    check("(b) rdd.pipe: checkCode=True, a child that exits 3 mid-partition fails the job",
          err is not None, err or "no error raised")
    silent = lines.pipe(crash, env=env, checkCode=False).count()
    check("(b) rdd.pipe: without checkCode the same crash loses rows silently",
          silent < len(ids), f"{silent} of {len(ids)} rows, no error")
    few = sc.parallelize(records[:3], 1)
    bare = "note2fhir extract --format bundle --on-error outcome"
    err = raises(lambda: few.pipe(bare, checkCode=True).count(), "FileNotFoundError")
    check("(b) rdd.pipe: without env a command found on PATH is not found",
          err is not None, err or "it ran")
    on_path = dict(env, PATH=f"{os.path.dirname(cli)}:{env['PATH']}")
    check("(b) rdd.pipe: with env PATH the same command runs",
          few.pipe(bare, env=on_path, checkCode=True).count() == 3)
    mixed = sc.parallelize([records[0], "not json", records[1]], 1).pipe(
        f"{cli} extract --format bundle --on-error outcome", env=env, checkCode=True).collect()
    outcome = json.loads(mixed[1]) if len(mixed) == 3 else {}
    check("(b) rdd.pipe: a bad line becomes an OperationOutcome in its place",
          outcome.get("resourceType") == "OperationOutcome"
          and outcome["issue"][0]["diagnostics"].startswith("<stdin>:2:")
          and [mixed[0], mixed[2]] == ref_lines[:2],
          f"{len(mixed)} lines")

    # (c) the Python package
    arrow = route_arrow(spark, corpus)
    rows = arrow.rdd.map(lambda row: (row.id,) + keyed(row.bundle)).collect()
    check_route("(c) mapInArrow extract_many", [(i, d) for _, i, d in rows], expected)
    check("(c) mapInArrow: the id column matches the bundle's note id",
          all(a == b for a, b, _ in rows))
    bad = spark.createDataFrame([('{"id":"x","text":"t","date":"2025-13-01"}',)], "value string")
    err = raises(lambda: bad.mapInArrow(convert_batches, "id string, bundle string").count(),
                 "ValueError")
    check("(c) mapInArrow: a bad note date fails the job with ValueError",
          err is not None and "ValueError" in err, err or "no error raised")

    # (c)-bulk
    parts_dir, bulk_dir = str(work / "bulk-parts"), work / "bulk"
    route_bulk(spark, sc, corpus, cli, env, parts_dir)
    written = spark.read.text(parts_dir).count()
    manifest = publish_bulk(parts_dir, bulk_dir,
                            "note2fhir extract --format bulk (Spark rdd.pipe)")
    counts = {e["type"]: e["count"] for e in manifest["output"] + manifest["error"]}
    lines_total = sum(sum(1 for _ in open(bulk_dir / f"{t}.ndjson", "rb")) for t in counts)
    check("(c)-bulk: manifest counts add up to the resources written",
          sum(counts.values()) == written == lines_total,
          f"{sum(counts.values())} in manifest, {written} written, {lines_total} in files")
    check("(c)-bulk: one DocumentReference per note",
          counts.get("DocumentReference") == len(ids), f"{counts.get('DocumentReference')}")
    cli_manifest = json.loads((Path(args.reference_bulk) / "manifest.json").read_text())
    cli_counts = {e["type"]: e["count"] for e in cli_manifest["output"] + cli_manifest["error"]}
    check("(c)-bulk: counts by type equal the CLI's bulk -o DIR manifest",
          counts == cli_counts, ", ".join(f"{t} {n}" for t, n in sorted(counts.items())))
    same = all(lines_digest(bulk_dir / f"{t}.ndjson")
               == lines_digest(Path(args.reference_bulk) / f"{t}.ndjson") for t in cli_counts)
    check("(c)-bulk: each Type.ndjson has the CLI's lines (in any order)", same)
    spark.stop()
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
