#!/usr/bin/env python3
"""Rebuild the note2fhir generated source dictionaries from open sources.

Usage:
  python3 dictionaries/build/build.py          regenerate every generated file
  python3 dictionaries/build/build.py --check  regenerate into a temporary
                                               directory and compare with the
                                               committed files

Generated files (all UTF-8, LF, sorted, no timestamps):
  dictionaries/snomed-gps/problems.tsv     SNOMED CT GPS disorders/findings
  dictionaries/snomed-gps/situations.tsv   SNOMED CT GPS situations (reference)
  dictionaries/snomed-gps/LICENSE.md
  dictionaries/icd10cm/problems.tsv        extra ICD-10-CM problem terms
  dictionaries/icd10cm/LICENSE.md
  dictionaries/drugbank/medications.tsv    DrugBank open vocabulary terms
  dictionaries/drugbank/LICENSE.md
  dictionaries/hl7/*.tsv, LICENSE.md       HL7 terminology reference tables

Sources (pinned, SHA-256 checked, cached in $NOTE2FHIR_SOURCES or
~/.cache/note2fhir-sources; fetched with `npm pack` / `pip download --no-deps`):
  npm  hl7.terminology.r4@7.0.1            SNOMED GPS value set + HL7 code systems
  PyPI simple-icd-10-cm==1.5.0             ICD-10-CM tabular XML (April 1 2026)
  PyPI drug-named-entity-recognition==1.0.3  "drugbank vocabulary.csv" ONLY

Exit status: 0 ok; 1 --check found differences; 2 bad usage or corrupted
source (SHA-256 mismatch, missing member); 3 sources unavailable (download
failed, e.g. offline) -- tests skip on 3.

Python 3.11+, standard library only.
"""
from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

# --------------------------------------------------------------------------
# pinned sources
# --------------------------------------------------------------------------

NPM_SPEC = "hl7.terminology.r4@7.0.1"
NPM_TARBALL = "hl7.terminology.r4-7.0.1.tgz"
NPM_SHA256 = "170c546f761fb51b3355788ca500206f6b772b21c57348c29205de85a6612baa"
GPS_MEMBER = "package/ValueSet-snomed-intl-gps.json"
GPS_VERSION = "http://snomed.info/sct/900000000000207008/version/20200731"
HL7_MEMBERS = {
    # output file name -> member of the npm tarball
    "timing_abbreviations.tsv": "package/CodeSystem-v3-GTSAbbreviation.json",
    "event_timing.tsv": "package/CodeSystem-v3-TimingEvent.json",
    "routes.tsv": "package/CodeSystem-v3-RouteOfAdministration.json",
    "condition_clinical.tsv": "package/CodeSystem-condition-clinical.json",
    "condition_ver_status.tsv": "package/CodeSystem-condition-ver-status.json",
}

ICD_SPEC = "simple-icd-10-cm==1.5.0"
ICD_WHEEL = "simple_icd_10_cm-1.5.0-py3-none-any.whl"
ICD_SHA256 = "6d461d71dc26aedc530ae65f02cfb578a154e49507c32e8241e75f701d4b7e42"
ICD_MEMBER = "simple_icd_10_cm/data/icd10c-tabular-April-1-2026.xml"

DB_SPEC = "drug-named-entity-recognition==1.0.3"
DB_WHEEL = "drug_named_entity_recognition-1.0.3-py3-none-any.whl"
DB_SHA256 = "9f6c6ec02a9b502d238ecabd606d0a9a6519a938d385443d1b4a9b99e8f314f2"
DB_MEMBER = "drug_named_entity_recognition/drugbank vocabulary.csv"

SNOMED = "http://snomed.info/sct"
UNII = "http://fdasis.nlm.nih.gov"
DRUGBANK = "https://go.drugbank.com/drugs"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"

HEADER = ["term", "kind", "display", "system", "code", "case", "chronic", "also", "flags"]
REF_HEADER = ["code", "display", "definition"]

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DICT = REPO / "dictionaries"
STOPLIST = HERE / "stoplist.txt"
ALLOWLIST = HERE / "short_drug_allowlist.txt"

PROBLEM_MAX_WORDS = 8
DRUG_MAX_WORDS = 6
DRUG_MIN_CHARS = 5          # terms of <= 4 characters are dropped
TERM_MAX_CHARS = 80         # longer strings (IUPAC names) never occur in notes


class SourcesUnavailable(Exception):
    pass


class SourceCorrupt(Exception):
    pass


# --------------------------------------------------------------------------
# fetching
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


def fetch(cache: Path, name: str, expected: str, cmd: list[str]) -> Path:
    """Return cache/name, downloading it with cmd (run in a scratch dir)."""
    path = cache / name
    if path.exists():
        got = sha256(path)
        if got == expected:
            return path
        print(f"warning: cached {name} has sha256 {got}, re-fetching", file=sys.stderr)
        path.unlink()
    print(f"fetching: {' '.join(cmd)}", file=sys.stderr)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        try:
            subprocess.run(cmd + ([] if cmd[0] == "npm" else ["-d", tmp]), cwd=tmp,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=600)
        except (OSError, subprocess.SubprocessError) as e:
            detail = getattr(e, "stderr", b"") or b""
            raise SourcesUnavailable(f"could not run {' '.join(cmd)}: {e} "
                                     f"{detail.decode(errors='replace').strip()[:500]}")
        produced = Path(tmp) / name
        if not produced.exists():
            raise SourcesUnavailable(f"{name} not produced by {' '.join(cmd)}")
        got = sha256(produced)
        if got != expected:
            raise SourceCorrupt(f"sha256 mismatch for {name}: expected {expected}, got {got}")
        os.replace(produced, path)
    return path


def pip_cmd(spec: str) -> list[str]:
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--disable-pip-version-check", "-q", spec]


@dataclass
class Sources:
    gps: dict[str, str]                      # code -> display (with tag)
    hl7: dict[str, dict]                     # output name -> CodeSystem JSON
    icd: list[tuple[str, str]]               # (code, description)
    drugbank: list[dict[str, str]]           # CSV rows
    sha: dict[str, str] = field(default_factory=dict)


def load_sources() -> Sources:
    cache = cache_dir()
    tgz = fetch(cache, NPM_TARBALL, NPM_SHA256, ["npm", "pack", "--silent", NPM_SPEC])
    icd_whl = fetch(cache, ICD_WHEEL, ICD_SHA256, pip_cmd(ICD_SPEC))
    db_whl = fetch(cache, DB_WHEEL, DB_SHA256, pip_cmd(DB_SPEC))

    try:
        with tarfile.open(tgz, "r:gz") as tf:
            def member_json(name: str) -> dict:
                f = tf.extractfile(tf.getmember(name))
                assert f is not None
                return json.load(f)
            vs = member_json(GPS_MEMBER)
            hl7 = {out: member_json(m) for out, m in HL7_MEMBERS.items()}
        with zipfile.ZipFile(icd_whl) as zf:
            icd_xml = zf.read(ICD_MEMBER)
        with zipfile.ZipFile(db_whl) as zf:
            db_raw = zf.read(DB_MEMBER)  # the only member of this wheel ever read
    except (KeyError, tarfile.TarError, zipfile.BadZipFile) as e:
        raise SourceCorrupt(f"cannot read source member: {e}")

    gps: dict[str, str] = {}
    for inc in vs["compose"]["include"]:
        if inc.get("system") != SNOMED:
            continue
        if inc.get("version") != GPS_VERSION:
            raise SourceCorrupt(f"unexpected GPS version {inc.get('version')}")
        for c in inc.get("concept", []):
            gps[c["code"]] = c["display"]

    icd: list[tuple[str, str]] = []
    root = ET.fromstring(icd_xml)
    for diag in root.iter("diag"):
        name, desc = diag.findtext("name"), diag.findtext("desc")
        if name and desc:
            icd.append((name.strip(), " ".join(desc.split())))

    rows = list(csv.DictReader(io.StringIO(db_raw.decode("utf-8-sig"))))
    drugbank = [{k: (v or "").strip() for k, v in r.items()} for r in rows]
    return Sources(gps, hl7, icd, drugbank,
                   {NPM_TARBALL: NPM_SHA256, ICD_WHEEL: ICD_SHA256, DB_WHEEL: DB_SHA256})


# --------------------------------------------------------------------------
# term helpers
# --------------------------------------------------------------------------

SEMANTIC_TAG = re.compile(r"\s+\(([^()]*)\)$")


def clean_term(raw: str) -> str:
    """Collapse whitespace, strip everything that is not a letter/digit at the ends."""
    t = " ".join(raw.replace("\t", " ").split())
    i, j = 0, len(t)
    while i < j and not t[i].isalnum():
        i += 1
    while j > i and not t[j - 1].isalnum():
        j -= 1
    return t[i:j]


def case_of(term: str) -> str:
    """'s' for all-caps abbreviations of <= 5 characters, else 'i'."""
    if (len(term) <= 5 and " " not in term and any(c.isalpha() for c in term)
            and not any(c.islower() for c in term)):
        return "s"
    return "i"


def norm(text: str) -> str:
    """ICD/SNOMED matching key: casefold, punctuation -> space, collapse spaces."""
    t = unicodedata.normalize("NFKC", text).casefold()
    t = "".join(ch if ch.isalnum() else " " for ch in t)
    return " ".join(t.split())


def balanced(term: str) -> bool:
    for o, c in ("()", "[]", "{}"):
        depth = 0
        for ch in term:
            if ch == o:
                depth += 1
            elif ch == c:
                depth -= 1
                if depth < 0:
                    return False
        if depth:
            return False
    return True


def code_like(term: str) -> bool:
    """Development codes such as 'BAY 59-7939', 'GSK123', 'MK-0518': the term
    contains a digit and no lower-case letter, or starts with an upper-case
    prefix glued to digits and has at most two words."""
    has_digit = any(c.isdigit() for c in term)
    if not has_digit:
        return False
    if not any(c.islower() for c in term):
        return True
    return bool(re.match(r"^[A-Z]{2,}[A-Z]*[- ]?\d", term)) and len(term.split()) <= 2


class StopList:
    def __init__(self, path: Path):
        self.exact: set[str] = set()
        self.globs: list[re.Pattern] = []
        self.keep_exact: set[str] = set()
        self.keep_globs: list[re.Pattern] = []
        self.entries = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            self.entries += 1
            keep = line.startswith("!")
            entry = line[1:].strip().casefold() if keep else line.casefold()
            if "*" in entry:
                rx = re.compile(fnmatch.translate(entry), re.S)
                (self.keep_globs if keep else self.globs).append(rx)
            else:
                (self.keep_exact if keep else self.exact).add(entry)

    def stopped(self, term: str) -> bool:
        t = term.casefold()
        if t in self.keep_exact or any(rx.match(t) for rx in self.keep_globs):
            return False
        return t in self.exact or any(rx.match(t) for rx in self.globs)


def read_list(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


# --------------------------------------------------------------------------
# rows, dedup, output
# --------------------------------------------------------------------------

@dataclass
class Row:
    term: str
    kind: str
    display: str
    system: str
    code: str
    also: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    rank: tuple = ()     # lower wins when two rows share (term.casefold(), case)

    @property
    def case(self) -> str:
        return case_of(self.term)

    def key(self) -> tuple[str, str]:
        return (self.term.casefold(), self.case)

    def line(self) -> str:
        fields = [self.term, self.kind, self.display, self.system, self.code, self.case,
                  "no", ";".join(self.also), ",".join(sorted(set(self.flags)))]
        for f in fields:
            if "\t" in f or "\n" in f or "\r" in f:
                raise ValueError(f"control character in field of {self.term!r}")
        return "\t".join(fields)


class Report:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.dropped: dict[str, dict[str, int]] = {}
        self.conflicts: list[str] = []
        self.notes: list[str] = []

    def drop(self, source: str, reason: str, n: int = 1) -> None:
        d = self.dropped.setdefault(source, {})
        d[reason] = d.get(reason, 0) + n


def dedupe(rows: list[Row], source: str, report: Report) -> list[Row]:
    """One row per (term.casefold(), case); same-concept duplicates vanish
    silently, different concepts are recorded as conflicts."""
    best: dict[tuple[str, str], Row] = {}
    losers: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        k = r.key()
        cur = best.get(k)
        if cur is None:
            best[k] = r
            continue
        if (r.rank, r.term, r.code) < (cur.rank, cur.term, cur.code):
            best[k], r = r, cur
        if (r.system, r.code) != (best[k].system, best[k].code):
            losers.setdefault(k, []).append(r)
    for k in sorted(losers):
        w = best[k]
        dropped = sorted({f"{r.code} ({r.display})" for r in losers[k]})
        report.conflicts.append(f"{source}: {w.term!r} -> kept {w.code} ({w.display}); "
                                f"dropped {', '.join(dropped)}")
    return list(best.values())


def sort_rows(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (r.kind, r.term.casefold(), r.code, r.term))


def tsv(rows: list[Row]) -> str:
    return "\n".join(["\t".join(HEADER)] + [r.line() for r in sort_rows(rows)]) + "\n"


def ref_tsv(rows: list[tuple[str, str, str]]) -> str:
    lines = ["\t".join(REF_HEADER)]
    for r in sorted(rows):
        lines.append("\t".join(" ".join(x.split()) for x in r))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# builders
# --------------------------------------------------------------------------

def split_tag(display: str) -> tuple[str, str | None]:
    m = SEMANTIC_TAG.search(display)
    if not m:
        return display, None
    return display[:m.start()], m.group(1)


def build_icd_index(icd: list[tuple[str, str]]) -> dict[str, str]:
    """normalised description -> chosen code (shortest, then lexicographic)."""
    idx: dict[str, str] = {}
    for code, desc in icd:
        k = norm(desc)
        cur = idx.get(k)
        if cur is None or (len(code), code) < (len(cur), cur):
            idx[k] = code
    return idx


def problem_filter(term: str, stop: StopList, source_text: str) -> str | None:
    """Return a drop reason or None."""
    if not term:
        return "empty after cleaning"
    if term != " ".join(source_text.split()):
        # e.g. "Heavy smoker (over 20 per day)", "Urine glucose test = +":
        # trimming the edge symbol would change the meaning
        return "display starts/ends with a symbol (trimmed term would change meaning)"
    words = term.split()
    if len(words) > PROBLEM_MAX_WORDS:
        return f"more than {PROBLEM_MAX_WORDS} words"
    if len(words) == 1 and sum(c.isalpha() for c in term) <= 3:
        return "single word of <= 3 letters"
    if stop.stopped(term):
        return "stoplist"
    return None


def build_snomed(src: Sources, stop: StopList, icd_idx: dict[str, str],
                 report: Report) -> tuple[list[Row], list[tuple[str, str, str]]]:
    rows: list[Row] = []
    situations: list[tuple[str, str, str]] = []
    matched = 0
    for code, display in src.gps.items():
        text, tag = split_tag(display)
        if tag == "situation":
            situations.append((code, text, ""))
            continue
        if tag not in ("disorder", "finding"):
            continue
        term = clean_term(text)
        why = problem_filter(term, stop, text)
        if why:
            report.drop("snomed-gps", why)
            continue
        also = []
        icd = icd_idx.get(norm(text))
        if icd:
            also.append(f"{ICD10CM}|{icd}")
            matched += 1
        rows.append(Row(term, "problem", text, SNOMED, code, also,
                        rank=(0 if text == term else 1, int(code))))
    report.counts["snomed-gps ICD-10-CM exact matches (before dedup)"] = matched
    rows = dedupe(rows, "snomed-gps", report)
    report.counts["snomed-gps problems with ICD-10-CM also"] = sum(1 for r in rows if r.also)
    return rows, situations


ICD_EXCLUDE_WORDS = {"unspecified", "other", "nec", "nos"}


def build_icd(src: Sources, stop: StopList, snomed_rows: list[Row], report: Report) -> list[Row]:
    snomed_keys = {norm(r.term) for r in snomed_rows}
    rows: list[Row] = []
    for code, desc in src.icd:
        if code[:1] in "VWXY":
            # chapter 20, external causes of morbidity ("Contact with dog")
            report.drop("icd10cm", "external cause code (V00-Y99)")
            continue
        words = desc.split()
        if len(words) > 4:
            report.drop("icd10cm", "more than 4 words")
            continue
        if any(ch in desc for ch in ",()[]"):
            report.drop("icd10cm", "comma or parenthesis")
            continue
        if any(w in ICD_EXCLUDE_WORDS for w in norm(desc).split()):
            report.drop("icd10cm", "unspecified/other/NEC/NOS")
            continue
        term = clean_term(desc)
        why = problem_filter(term, stop, desc)
        if why:
            report.drop("icd10cm", why)
            continue
        if norm(term) in snomed_keys:
            report.drop("icd10cm", "already a SNOMED GPS term")
            continue
        rows.append(Row(term, "problem", desc, ICD10CM, code,
                        rank=(0 if desc == term else 1, len(code), code)))
    return dedupe(rows, "icd10cm", report)


def drugbank_number(db_id: str) -> int:
    m = re.search(r"\d+", db_id)
    return int(m.group()) if m else 0


def build_drugbank(src: Sources, stop: StopList, allow: set[str], report: Report) -> list[Row]:
    rows: list[Row] = []
    allow_hit: set[str] = set()
    for rec in src.drugbank:
        db_id, name, unii = rec["DrugBank ID"], rec["Common name"], rec["UNII"]
        if not db_id or not name:
            report.drop("drugbank", "record without id or common name")
            continue
        if unii:
            system, code, also = UNII, unii, [f"{DRUGBANK}|{db_id}"]
        else:
            system, code, also = DRUGBANK, db_id, []
        raw_terms = [name] + [s for s in rec["Synonyms"].split(" | ")]
        seen: set[str] = set()
        for raw in raw_terms:
            term = clean_term(raw)
            if not term or term.casefold() in seen:
                continue
            seen.add(term.casefold())
            if len(term) < DRUG_MIN_CHARS:
                if term.casefold() in allow:
                    allow_hit.add(term.casefold())
                else:
                    report.drop("drugbank", f"<= {DRUG_MIN_CHARS - 1} characters")
                    continue
            if len(term.split()) > DRUG_MAX_WORDS:
                report.drop("drugbank", f"more than {DRUG_MAX_WORDS} words")
                continue
            if len(term) > TERM_MAX_CHARS:
                report.drop("drugbank", f"longer than {TERM_MAX_CHARS} characters")
                continue
            if not balanced(term):
                report.drop("drugbank", "unbalanced brackets after trimming")
                continue
            if code_like(term):
                report.drop("drugbank", "code-like synonym")
                continue
            if stop.stopped(term):
                report.drop("drugbank", "stoplist")
                continue
            rows.append(Row(term, "medication", name, system, code, list(also),
                            rank=(0 if name.casefold() == term.casefold() else 1,
                                  drugbank_number(db_id))))
    for a in sorted(allow - allow_hit):
        report.notes.append(f"allowlist entry {a!r} matched no DrugBank term")
    return dedupe(rows, "drugbank", report)


def build_hl7(src: Sources, report: Report) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, cs in src.hl7.items():
        rows: list[tuple[str, str, str]] = []

        def walk(concepts: list[dict]) -> None:
            for c in concepts:
                abstract = any(p.get("code") == "notSelectable" and p.get("valueBoolean")
                               for p in c.get("property", []))
                if abstract:
                    report.drop(f"hl7/{name}", "abstract (notSelectable) grouping concept")
                else:
                    rows.append((c["code"], c.get("display", ""), c.get("definition", "")))
                walk(c.get("concept", []))

        walk(cs.get("concept", []))
        out[name] = ref_tsv(rows)
        report.counts[f"hl7/{name}"] = len(rows)
    return out


def flag_ambiguous(problem_sets: list[list[Row]], meds: list[Row], report: Report) -> None:
    prob_keys = {r.term.casefold() for rows in problem_sets for r in rows}
    med_keys = {r.term.casefold() for r in meds}
    both = prob_keys & med_keys
    for rows in problem_sets + [meds]:
        for r in rows:
            if r.term.casefold() in both:
                r.flags.append("ambiguous")
    report.counts["terms flagged ambiguous (problem/medication collision)"] = len(both)
    for t in sorted(both):
        report.notes.append(f"ambiguous across kinds: {t!r}")


# --------------------------------------------------------------------------
# licence files
# --------------------------------------------------------------------------

SNOMED_LICENSE = f"""# SNOMED CT Global Patient Set -- licence and attribution

The files in this folder (`problems.tsv`, `situations.tsv`) are derived from
the **SNOMED CT Global Patient Set (GPS)**, September 2020 release, based on
the SNOMED CT International Edition of July 2020
(`{GPS_VERSION}`).

The GPS is produced by SNOMED International under the terms of the
[Creative Commons Attribution 4.0 International Public License](https://creativecommons.org/licenses/by/4.0/)
(CC BY 4.0).

Additional information about this licence specific to SNOMED International's
release of the GPS:

* SNOMED CT is (c) and (R) SNOMED International. The right to maintain the GPS
  remains vested exclusively in SNOMED International.
* The Licensee can redistribute the GPS.
* The Licensee can create derivatives or implementation-related products and
  services based on the GPS.
* The Licensee cannot claim that SNOMED International or any of its Members
  endorses the Licensee's derivative because it uses content from the GPS.
* Neither SNOMED International nor any of the contributors accept any
  liability for the Licensee's use or redistribution of the GPS.
* SNOMED CT(R) was originally created by the College of American Pathologists.

Without obtaining prior written permission from SNOMED International, use,
distribution or reproduction of the SNOMED International, SNOMED CT or SNOMED
GPS logo, service mark or trademark is prohibited. See SNOMED International's
terms and conditions: http://www.snomed.org/terms-and-conditions

SNOMED International does not endorse note2fhir.

## Source

* npm package `{NPM_SPEC}` (tarball `{NPM_TARBALL}`, SHA-256
  `{NPM_SHA256}`), file `{GPS_MEMBER}`
  (HL7 ValueSet `http://terminology.hl7.org/ValueSet/snomed-intl-gps`,
  26,158 concepts).
* Code system `{SNOMED}`, version `{GPS_VERSION}`.

## Changes made

Only concepts whose semantic tag is `disorder` or `finding` are used for
`problems.tsv`; the semantic tag is removed from the display; a stoplist of
everyday and non-specific terms and length rules are applied
(`dictionaries/build/stoplist.txt`, `dictionaries/build/build.py`).
`situations.tsv` lists the `situation` concepts unchanged apart from the
removed tag. ICD-10-CM codes in the `also` column are note2fhir's own
exact-description matches, not an official SNOMED International or NLM map.
This is not the SNOMED CT UK Edition and contains no NHS extension content.
"""

ICD_LICENSE = f"""# ICD-10-CM -- licence and attribution

`problems.tsv` in this folder, and the ICD-10-CM codes in the `also` column
of `dictionaries/snomed-gps/problems.tsv`, are derived from the
**ICD-10-CM (International Classification of Diseases, Tenth Revision,
Clinical Modification)** Tabular List, version effective **April 1, 2026**,
maintained by the National Center for Health Statistics (NCHS), Centers for
Disease Control and Prevention (CDC), U.S. Department of Health and Human
Services.

ICD-10-CM is a work of the U.S. Government and is in the **public domain** in
the United States. Attribution: "Source: ICD-10-CM, National Center for
Health Statistics, Centers for Disease Control and Prevention."
NCHS/CDC do not endorse note2fhir.

**This is the US clinical modification (ICD-10-CM).** It is *not* the World
Health Organization's ICD-10 and *not* the NHS's ICD-10 (the WHO ICD-10 5th
Edition used in the UK); no WHO or NHS ICD-10 content is used. Codes are
written with the FHIR system `{ICD10CM}`.

## Source

* PyPI package `{ICD_SPEC}` (wheel `{ICD_WHEEL}`, SHA-256
  `{ICD_SHA256}`), file `{ICD_MEMBER}` -- only the tabular XML
  (code `<name>` and description `<desc>` of each `<diag>`) is read.

## Changes made

Only codes whose description has at most 4 words, contains no
"unspecified", "other", "NEC" or "NOS" and no comma or parenthesis, passes the
note2fhir stoplist, and is not already a term of
`dictionaries/snomed-gps/problems.tsv` (after normalisation) are kept.
"""

DRUGBANK_LICENSE = f"""# DrugBank open vocabulary -- licence and attribution

`medications.tsv` in this folder is derived from the **DrugBank Vocabulary**
(the open-data "DrugBank vocabulary" file: DrugBank ID, common name, CAS,
UNII, synonyms), which DrugBank releases into the public domain under the
**Creative Commons CC0 1.0 Universal Public Domain Dedication**
(https://creativecommons.org/publicdomain/zero/1.0/).

Attribution (not required by CC0, given as a courtesy): DrugBank,
https://go.drugbank.com -- Wishart DS et al., "DrugBank 5.0: a major update to
the DrugBank database for 2018", Nucleic Acids Res. 2018;46(D1):D1074-D1082.
DrugBank does not endorse note2fhir.

## Source

* PyPI package `{DB_SPEC}` (wheel `{DB_WHEEL}`, SHA-256
  `{DB_SHA256}`), file `{DB_MEMBER}`.
* **Only that open vocabulary file is used.** The wheel's other data files
  (derived from Wikipedia lists, CC BY-SA) are never opened or read by the
  build.
* UNII codes (system `{UNII}`) are the FDA Unique Ingredient Identifiers as
  carried in that file; DrugBank ids use the system `{DRUGBANK}`.

## Changes made

Every common name and synonym is a candidate term; terms of <= 4 characters
(unless in `dictionaries/build/short_drug_allowlist.txt`), of more than 6
words or more than 80 characters, with unbalanced brackets, that look like
development codes, or that are on `dictionaries/build/stoplist.txt` are
dropped. When one term names several DrugBank records the record whose common
name equals the term wins, then the lowest DrugBank number.
"""

HL7_LICENSE = f"""# HL7 Terminology (THO) -- licence and attribution

The reference tables in this folder are derived from HL7 Terminology (THO):

| file | code system |
| --- | --- |
| `timing_abbreviations.tsv` | `http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation` |
| `event_timing.tsv` | `http://terminology.hl7.org/CodeSystem/v3-TimingEvent` |
| `routes.tsv` | `http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration` |
| `condition_clinical.tsv` | `http://terminology.hl7.org/CodeSystem/condition-clinical` |
| `condition_ver_status.tsv` | `http://terminology.hl7.org/CodeSystem/condition-ver-status` |

"This material derives from the HL7 Terminology (THO). THO is copyright
(c)1989+ Health Level Seven International and is made available under the
CC0 designation." (https://creativecommons.org/publicdomain/zero/1.0/).
HL7(R) and FHIR(R) are registered trademarks of Health Level Seven
International. HL7 does not endorse note2fhir.

## Source

npm package `{NPM_SPEC}` (tarball `{NPM_TARBALL}`, SHA-256
`{NPM_SHA256}`), files:

{chr(10).join(f"* `{m}` -> `{o}`" for o, m in HL7_MEMBERS.items())}

## Changes made

Each table lists `code`, `display` and `definition` of every concept
(nested concepts flattened, whitespace collapsed, sorted by code). Abstract
grouping concepts marked `notSelectable` (e.g. `_RouteByMethod`) are left out.
"""


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def generate(src: Sources, report: Report) -> dict[str, str]:
    stop = StopList(STOPLIST)
    allow = {a.casefold() for a in read_list(ALLOWLIST)}
    report.counts["stoplist entries"] = stop.entries
    report.counts["short drug allowlist entries"] = len(allow)

    icd_idx = build_icd_index(src.icd)
    snomed, situations = build_snomed(src, stop, icd_idx, report)
    icd_rows = build_icd(src, stop, snomed, report)
    meds = build_drugbank(src, stop, allow, report)
    flag_ambiguous([snomed, icd_rows], meds, report)

    files: dict[str, str] = {
        "snomed-gps/problems.tsv": tsv(snomed),
        "snomed-gps/situations.tsv": ref_tsv(situations),
        "snomed-gps/LICENSE.md": SNOMED_LICENSE,
        "icd10cm/problems.tsv": tsv(icd_rows),
        "icd10cm/LICENSE.md": ICD_LICENSE,
        "drugbank/medications.tsv": tsv(meds),
        "drugbank/LICENSE.md": DRUGBANK_LICENSE,
        "hl7/LICENSE.md": HL7_LICENSE,
    }
    for name, text in build_hl7(src, report).items():
        files[f"hl7/{name}"] = text

    report.counts["sources: GPS concepts"] = len(src.gps)
    report.counts["sources: ICD-10-CM codes"] = len(src.icd)
    report.counts["sources: DrugBank records"] = len(src.drugbank)
    report.counts["snomed-gps/problems.tsv rows"] = len(snomed)
    report.counts["snomed-gps/problems.tsv concepts"] = len({r.code for r in snomed})
    report.counts["snomed-gps/situations.tsv rows"] = len(situations)
    report.counts["icd10cm/problems.tsv rows"] = len(icd_rows)
    report.counts["drugbank/medications.tsv rows"] = len(meds)
    report.counts["drugbank/medications.tsv concepts"] = len({r.code for r in meds})
    return files


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in sorted(files.items()):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        with open(p, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)


def print_report(report: Report) -> None:
    print("counts:")
    for k, v in report.counts.items():
        print(f"  {k}: {v}")
    print("dropped:")
    for src in sorted(report.dropped):
        for reason, n in sorted(report.dropped[src].items()):
            print(f"  {src}: {reason}: {n}")
    print(f"conflicts ({len(report.conflicts)} terms with several concepts; one kept):")
    for c in report.conflicts:
        print(f"  {c}")
    if report.notes:
        print("notes:")
        for n in report.notes:
            print(f"  {n}")


def main(argv: list[str]) -> int:
    check = False
    for a in argv:
        if a == "--check":
            check = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            print(f"unknown argument {a!r}\n{__doc__}", file=sys.stderr)
            return 2
    t0 = time.monotonic()
    try:
        src = load_sources()
    except SourcesUnavailable as e:
        print(f"sources unavailable: {e}", file=sys.stderr)
        return 3
    except SourceCorrupt as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    report = Report()
    files = generate(src, report)
    print_report(report)

    if check:
        with tempfile.TemporaryDirectory() as tmp:
            write_tree(Path(tmp), files)
            diffs = []
            for rel in sorted(files):
                new = (Path(tmp) / rel).read_bytes()
                old_p = DICT / rel
                if not old_p.exists():
                    diffs.append(f"missing: dictionaries/{rel}")
                elif old_p.read_bytes() != new:
                    diffs.append(f"differs: dictionaries/{rel}")
        print(f"runtime: {time.monotonic() - t0:.1f}s")
        if diffs:
            print("CHECK FAILED: committed files differ from a fresh build "
                  "(run python3 dictionaries/build/build.py):")
            for d in diffs:
                print(f"  {d}")
            return 1
        print(f"CHECK OK: {len(files)} generated files match a fresh build")
        return 0

    write_tree(DICT, files)
    print(f"wrote {len(files)} files under {DICT}")
    print(f"runtime: {time.monotonic() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
