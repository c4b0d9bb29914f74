#!/usr/bin/env python3
"""Verify the note2fhir UK layer against their open sources.

Checks every row of dictionaries/uk/problems.tsv and
dictionaries/uk/medications.tsv against:

  * SNOMED CT Global Patient Set (GPS) 2020, CC BY 4.0 -- file
    package/ValueSet-snomed-intl-gps.json inside the npm package
    hl7.terminology.r4@7.0.1
  * DrugBank open vocabulary, CC0 -- file
    "drug_named_entity_recognition/drugbank vocabulary.csv" inside the PyPI
    wheel drug-named-entity-recognition==1.0.3

Only those two files are read from the downloaded archives.

The archives are fetched with `npm pack` and `pip download --no-deps` into a
cache directory (default ~/.cache/note2fhir-sources, override with the
environment variable NOTE2FHIR_SOURCES) and their SHA-256 is checked.

Usage: python3 dictionaries/build/check_uk.py [problems.tsv medications.tsv]
Exit status 0 when every row is valid, 1 otherwise (each bad row is listed as
file:line: reason), 2 when the sources cannot be obtained.

Python 3.11+, standard library only.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

NPM_SPEC = "hl7.terminology.r4@7.0.1"
NPM_TARBALL = "hl7.terminology.r4-7.0.1.tgz"
NPM_SHA256 = "170c546f761fb51b3355788ca500206f6b772b21c57348c29205de85a6612baa"
GPS_MEMBER = "package/ValueSet-snomed-intl-gps.json"

PYPI_SPEC = "drug-named-entity-recognition==1.0.3"
PYPI_WHEEL = "drug_named_entity_recognition-1.0.3-py3-none-any.whl"
PYPI_SHA256 = "9f6c6ec02a9b502d238ecabd606d0a9a6519a938d385443d1b4a9b99e8f314f2"
DRUGBANK_MEMBER = "drug_named_entity_recognition/drugbank vocabulary.csv"

SNOMED = "http://snomed.info/sct"
UNII = "http://fdasis.nlm.nih.gov"
DRUGBANK = "https://go.drugbank.com/drugs"

HEADER = ["term", "kind", "display", "system", "code", "case", "chronic", "also", "flags"]

# A SNOMED CT display ends with its semantic tag, e.g. "Asthma (disorder)".
SEMANTIC_TAG = re.compile(r"\s+\([^()]*\)$")

REPO = Path(__file__).resolve().parents[2]
DEFAULT_FILES = [
    (REPO / "dictionaries" / "uk" / "problems.tsv", "problem"),
    (REPO / "dictionaries" / "uk" / "medications.tsv", "medication"),
    (REPO / "dictionaries" / "uk" / "allergies.tsv", "allergy"),
]


# --------------------------------------------------------------------------
# sources
# --------------------------------------------------------------------------

def cache_dir() -> Path:
    env = os.environ.get("NOTE2FHIR_SOURCES")
    d = Path(env).expanduser() if env else Path.home() / ".cache" / "note2fhir-sources"
    d.mkdir(parents=True, exist_ok=True)
    return d


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(path: Path, expected_sha: str, cmd: list[str], cwd: Path) -> Path:
    if path.exists() and sha256(path) == expected_sha:
        return path
    if path.exists():
        path.unlink()
    print(f"fetching: {' '.join(cmd)}", file=sys.stderr)
    try:
        subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"error: could not run {' '.join(cmd)}: {e}")
    if not path.exists():
        sys.exit(f"error: {path.name} not produced by {' '.join(cmd)}")
    got = sha256(path)
    if got != expected_sha:
        sys.exit(f"error: sha256 mismatch for {path}: expected {expected_sha}, got {got}")
    return path


def load_gps(cache: Path) -> dict[str, str]:
    tgz = fetch(cache / NPM_TARBALL, NPM_SHA256,
                ["npm", "pack", "--silent", NPM_SPEC], cache)
    with tarfile.open(tgz, "r:gz") as tf:
        member = tf.getmember(GPS_MEMBER)
        f = tf.extractfile(member)
        assert f is not None
        vs = json.load(f)
    concepts: dict[str, str] = {}
    for inc in vs["compose"]["include"]:
        if inc.get("system") != SNOMED:
            continue
        for c in inc.get("concept", []):
            concepts[c["code"]] = c["display"]
    return concepts


def load_drugbank(cache: Path) -> list[dict[str, str]]:
    whl = fetch(cache / PYPI_WHEEL, PYPI_SHA256,
                [sys.executable, "-m", "pip", "download", "--no-deps",
                 "--only-binary=:all:", "--disable-pip-version-check",
                 "-q", "-d", str(cache), PYPI_SPEC], cache)
    with zipfile.ZipFile(whl) as zf:
        raw = zf.read(DRUGBANK_MEMBER)  # the only member ever read
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    return [{k: (v or "").strip() for k, v in r.items()} for r in rows]


def strip_tag(display: str) -> str:
    return SEMANTIC_TAG.sub("", display)


# --------------------------------------------------------------------------
# checking
# --------------------------------------------------------------------------

class Checker:
    def __init__(self, gps: dict[str, str], drugbank: list[dict[str, str]]):
        self.gps = gps
        self.db_by_id = {r["DrugBank ID"]: r for r in drugbank}
        self.db_by_unii: dict[str, list[dict[str, str]]] = {}
        for r in drugbank:
            if r["UNII"]:
                self.db_by_unii.setdefault(r["UNII"], []).append(r)
        self.errors: list[str] = []

    def err(self, where: str, msg: str) -> None:
        self.errors.append(f"{where}: {msg}")

    def check_also(self, where: str, also: str) -> list[tuple[str, str]]:
        items: list[tuple[str, str]] = []
        if not also:
            return items
        for item in also.split(";"):
            if item.count("|") != 1:
                self.err(where, f"malformed 'also' item {item!r} (want system|code)")
                continue
            system, code = item.split("|")
            if system == SNOMED:
                if code not in self.gps:
                    self.err(where, f"also: SNOMED code {code} not in GPS")
            elif system == DRUGBANK:
                if code not in self.db_by_id:
                    self.err(where, f"also: DrugBank id {code} not in DrugBank vocabulary")
            elif system == UNII:
                if code not in self.db_by_unii:
                    self.err(where, f"also: UNII {code} not in DrugBank vocabulary")
            else:
                self.err(where, f"also: unknown system {system!r}")
            items.append((system, code))
        return items

    def check_problem(self, where: str, row: dict[str, str]) -> None:
        if row["system"] != SNOMED:
            self.err(where, f"system must be {SNOMED}")
            return
        code = row["code"]
        if code not in self.gps:
            self.err(where, f"SNOMED code {code} not in GPS")
            return
        want = strip_tag(self.gps[code])
        if row["display"] != want:
            self.err(where, f"display {row['display']!r} != GPS display {want!r}")
        self.check_also(where, row["also"])

    def check_medication(self, where: str, row: dict[str, str]) -> None:
        system, code, display = row["system"], row["code"], row["display"]
        also = self.check_also(where, row["also"])
        if row["chronic"] != "no":
            self.err(where, "chronic must be 'no' for medications")
        if "statement" in row["flags"].split(","):
            # A statement of no medications, coded in SNOMED CT.
            self.check_problem(where, row)
            return
        if "combination" in row["flags"].split(","):
            # A product with no single open code: every coding is an
            # ingredient's UNII, and the display names the product.
            for s, c in [(system, code)] + also:
                if s != UNII or c not in self.db_by_unii:
                    self.err(where, f"combination ingredient {s}|{c} is not a DrugBank UNII")
            if not also:
                self.err(where, "a combination needs at least two ingredients")
            return
        if system == UNII:
            cands = self.db_by_unii.get(code)
            if not cands:
                self.err(where, f"UNII {code} not in DrugBank vocabulary")
                return
            db_ids = [c for s, c in also if s == DRUGBANK]
            if len(db_ids) != 1:
                self.err(where, "UNII row must carry exactly one DrugBank id in 'also'")
                return
            rec = self.db_by_id.get(db_ids[0])
            if rec is None:
                return  # already reported by check_also
            if rec["UNII"] != code:
                self.err(where, f"DrugBank {db_ids[0]} has UNII {rec['UNII'] or '(none)'}, not {code}")
            if display != rec["Common name"]:
                self.err(where, f"display {display!r} != DrugBank common name {rec['Common name']!r}")
        elif system == DRUGBANK:
            rec = self.db_by_id.get(code)
            if rec is None:
                self.err(where, f"DrugBank id {code} not in DrugBank vocabulary")
                return
            if rec["UNII"]:
                self.err(where, f"DrugBank {code} has UNII {rec['UNII']}; use system {UNII}")
            if display != rec["Common name"]:
                self.err(where, f"display {display!r} != DrugBank common name {rec['Common name']!r}")
        else:
            self.err(where, f"system must be {UNII} or {DRUGBANK}")

    def check_file(self, path: Path, kind: str) -> tuple[int, int]:
        name = os.path.relpath(path, Path.cwd()) if path.is_absolute() else str(path)
        try:
            data = path.read_bytes()
        except OSError as e:
            self.err(name, f"cannot read: {e}")
            return 0, 0
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            self.err(name, f"not UTF-8: {e}")
            return 0, 0
        if text.startswith("\ufeff"):
            self.err(f"{name}:1", "byte-order mark not allowed")
        if "\r" in text:
            self.err(name, "CR characters found (LF line endings required)")
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.endswith("\n"):
            self.err(name, "file does not end with a newline")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if not lines or lines[0].split("\t") != HEADER:
            self.err(f"{name}:1", f"header must be exactly: {chr(9).join(HEADER)!r}")
            return 0, 0

        seen: dict[str, tuple[int, str, str]] = {}
        concepts: set[tuple[str, str]] = set()
        prev_key: tuple[str, str] | None = None
        nrows = 0
        for lineno, line in enumerate(lines[1:], start=2):
            where = f"{name}:{lineno}"
            if line == "":
                self.err(where, "blank line")
                continue
            fields = line.split("\t")
            if len(fields) != len(HEADER):
                self.err(where, f"expected {len(HEADER)} tab-separated fields, got {len(fields)}")
                continue
            row = dict(zip(HEADER, fields))
            nrows += 1
            bad = False
            for col in ("term", "kind", "display", "system", "code", "case", "chronic"):
                if not row[col]:
                    self.err(where, f"empty {col}")
                    bad = True
            for col, val in row.items():
                if val != val.strip():
                    self.err(where, f"leading/trailing whitespace in {col}")
            if bad:
                continue
            if row["kind"] != kind:
                self.err(where, f"kind must be {kind!r} in this file")
            if row["case"] not in ("s", "i"):
                self.err(where, "case must be 's' or 'i'")
            if row["chronic"] not in ("yes", "no"):
                self.err(where, "chronic must be 'yes' or 'no'")
            if any(f not in ("ambiguous", "combination", "statement") for f in row["flags"].split(",") if f):
                self.err(where, "flags may only hold 'ambiguous', 'combination' and 'statement'")

            key = row["term"].casefold()
            if key in seen:
                first, fsys, fcode = seen[key]
                if (fsys, fcode) == (row["system"], row["code"]):
                    self.err(where, f"duplicate term {row['term']!r} (same code as line {first})")
                else:
                    self.err(where, f"term {row['term']!r} maps to {row['code']} here but "
                                    f"{fcode} on line {first}")
            else:
                seen[key] = (lineno, row["system"], row["code"])

            sort_key = (row["kind"], key)
            if prev_key is not None and sort_key < prev_key:
                self.err(where, "rows not sorted by kind then term (case-insensitive)")
            prev_key = sort_key

            if kind in ("problem", "allergy"):
                self.check_problem(where, row)
            else:
                self.check_medication(where, row)
            concepts.add((row["system"], row["code"]))
        return nrows, len(concepts)


def main(argv: list[str]) -> int:
    if len(argv) == 2:
        files = [(Path(argv[0]), "problem"), (Path(argv[1]), "medication")]
    elif not argv:
        files = DEFAULT_FILES
    else:
        print(__doc__, file=sys.stderr)
        return 2
    cache = cache_dir()
    gps = load_gps(cache)
    drugbank = load_drugbank(cache)
    print(f"sources: {len(gps)} GPS concepts ({NPM_SPEC}), "
          f"{len(drugbank)} DrugBank vocabulary rows ({PYPI_SPEC}); cache {cache}")
    checker = Checker(gps, drugbank)
    for path, kind in files:
        nrows, nconcepts = checker.check_file(path, kind)
        print(f"{path.name}: {nrows} terms, {nconcepts} concepts")
    if checker.errors:
        print(f"FAILED: {len(checker.errors)} problem(s)")
        for e in checker.errors:
            print(e)
        return 1
    print("OK: every row verified")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
