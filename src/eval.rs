//! Scoring predicted mentions against hand-annotated gold mentions.
//!
//! # Overview
//!
//! [`evaluate`] reads two JSONL streams and returns [`Scores`]:
//!
//! * gold lines, as [`crate::generate::GeneratedNote::gold_jsonl`] writes
//!   them: `{"note_id", "mentions": [{"kind", "text", "start", "end",
//!   "assertion": {"negated", "uncertain", "historical", "family",
//!   "hypothetical"}}]}`;
//! * predicted lines, `note2fhir.mentions/1` objects (see
//!   [`crate::mention`]): `{"schema", "note_id", …, "mentions": [{"id",
//!   "kind", "text", "start", "end", "assertion"?, …}]}`.
//!
//! Notes are matched by `note_id`; unknown fields are ignored, blank lines
//! skipped. In a mention, `assertion` may be absent (date mentions have
//! none), and a flag missing from it is false.
//!
//! # Counting
//!
//! * **Spans**, per kind, two ways. *Exact*: same kind, start and end.
//!   *Overlap*: same kind and the spans share a code point; exact pairs are
//!   taken first, then each remaining prediction, in file order, takes the
//!   first remaining gold mention it overlaps. Each gold mention is matched
//!   at most once. A matched prediction is a true positive, an unmatched one
//!   a false positive, an unmatched gold mention a false negative.
//! * **Assertions**: over the pairs matched by overlap where both sides have
//!   an assertion, each flag is a binary label: gold and predicted true is a
//!   tp, predicted only a fp, gold only a fn.
//! * A note only in gold counts all its mentions as false negatives, a note
//!   only in the predictions all of its as false positives; both are counted
//!   in [`NoteCounts`].
//!
//! Precision is tp/(tp+fp), recall tp/(tp+fn), F1 2tp/(2tp+fp+fn); each is
//! undefined (`None`, `-` in the table, `null` in JSON) when its denominator
//! is 0.
//!
//! # Example
//!
//! ```
//! use note2fhir::eval::evaluate;
//!
//! use serde_json::json;
//!
//! let flags = json!({"negated": false, "uncertain": true, "historical": false,
//!                    "family": false, "hypothetical": false});
//! let gold = json!({"note_id": "a", "mentions": [
//!     {"kind": "problem", "text": "PE", "start": 1, "end": 3, "assertion": flags}]});
//! let pred = json!({"schema": "note2fhir.mentions/1", "note_id": "a", "mentions": [
//!     {"id": "p0-3", "kind": "problem", "text": "?PE", "start": 0, "end": 3, "assertion": flags}]});
//! let (gold, pred) = (gold.to_string(), pred.to_string());
//! let scores = evaluate(gold.as_bytes(), pred.as_bytes()).unwrap();
//! assert_eq!(scores.kinds["problem"].exact.tp, 0);
//! assert_eq!(scores.kinds["problem"].overlap.tp, 1);
//! assert_eq!(scores.flag("uncertain").unwrap().tp, 1);
//! ```
//!
//! Errors name the side and line, never the note's text.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufRead};

use serde_json::{json, Map, Value};

/// The assertion flags, in the order of [`Scores::assertions`].
pub const FLAGS: [&str; 5] = ["negated", "uncertain", "historical", "family", "hypothetical"];

/// Which input a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The gold annotations.
    Gold,
    /// The predictions.
    Pred,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Gold => "gold",
            Side::Pred => "pred",
        })
    }
}

/// Why the inputs could not be scored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A line is not JSON, or not the expected shape.
    #[error("{side} line {line}: {reason}")]
    Malformed {
        /// The input.
        side: Side,
        /// 1-based line number.
        line: usize,
        /// What is wrong, naming fields only, never their values.
        reason: String,
    },
    /// A note id appears twice in one input.
    #[error("{side} line {line}: note id {note_id:?} was already on line {first}")]
    DuplicateNote {
        /// The input.
        side: Side,
        /// 1-based line number of the repeat.
        line: usize,
        /// 1-based line number of the first.
        first: usize,
        /// The repeated id.
        note_id: String,
    },
    /// Reading failed.
    #[error("{side} line {line}: cannot read: {source}")]
    Read {
        /// The input.
        side: Side,
        /// 1-based number of the line being read.
        line: usize,
        /// The I/O error.
        source: io::Error,
    },
}

/// True positives, false positives and false negatives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub fn_: usize,
}

impl Counts {
    /// tp / (tp + fp), if defined.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    /// tp / (tp + fn), if defined.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// 2tp / (2tp + fp + fn), if defined.
    pub fn f1(&self) -> Option<f64> {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }

    fn add(&mut self, other: Counts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }

    fn to_json(self) -> Value {
        json!({"tp": self.tp, "fp": self.fp, "fn": self.fn_,
               "precision": self.precision(), "recall": self.recall(), "f1": self.f1()})
    }
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Span counts of one kind, both ways of matching.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindScores {
    /// Same kind, start and end.
    pub exact: Counts,
    /// Same kind, overlapping spans.
    pub overlap: Counts,
}

/// How many notes were scored and how many were on one side only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoteCounts {
    /// Note ids in both inputs.
    pub scored: usize,
    /// Note ids only in gold: all their mentions are false negatives.
    pub gold_only: usize,
    /// Note ids only in the predictions: all their mentions are false
    /// positives.
    pub pred_only: usize,
}

/// The result of [`evaluate`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scores {
    /// Notes scored and unmatched.
    pub notes: NoteCounts,
    /// Span counts by mention kind (`problem`, `medication`, …), for every
    /// kind seen on either side.
    pub kinds: BTreeMap<String, KindScores>,
    /// The number of overlap-matched pairs with an assertion on both sides.
    pub assertion_pairs: usize,
    /// Counts of each assertion flag, in the order of [`FLAGS`].
    pub assertions: [Counts; 5],
}

impl Scores {
    /// The counts of one assertion flag by name (`negated`, …).
    pub fn flag(&self, name: &str) -> Option<Counts> {
        FLAGS.iter().position(|f| *f == name).map(|i| self.assertions[i])
    }

    /// The span counts summed over all kinds (micro average).
    pub fn total(&self) -> KindScores {
        let mut all = KindScores::default();
        for k in self.kinds.values() {
            all.exact.add(k.exact);
            all.overlap.add(k.overlap);
        }
        all
    }

    /// A readable table: kind, matching, tp, fp, fn, precision, recall, F1;
    /// then the assertion flags.
    pub fn to_table(&self) -> String {
        let mut out = format!(
            "notes: {} scored, {} only in gold, {} only in pred\n\n",
            self.notes.scored, self.notes.gold_only, self.notes.pred_only
        );
        let header = |first: &str, second: &str| {
            format!(
                "{first:<14} {second:<8} {:>6} {:>6} {:>6} {:>9} {:>7} {:>7}\n",
                "tp", "fp", "fn", "precision", "recall", "f1"
            )
        };
        let row = |first: &str, second: &str, c: Counts| {
            format!(
                "{first:<14} {second:<8} {:>6} {:>6} {:>6} {:>9} {:>7} {:>7}\n",
                c.tp,
                c.fp,
                c.fn_,
                fmt_ratio(c.precision()),
                fmt_ratio(c.recall()),
                fmt_ratio(c.f1())
            )
        };
        out.push_str(&header("kind", "matching"));
        let total = self.total();
        let kinds = self
            .kinds
            .iter()
            .map(|(k, s)| (k.as_str(), *s))
            .chain([("all", total)]);
        for (kind, s) in kinds {
            out.push_str(&row(kind, "exact", s.exact));
            out.push_str(&row(kind, "overlap", s.overlap));
        }
        out.push_str(&format!(
            "\nassertions over {} overlap-matched pairs\n",
            self.assertion_pairs
        ));
        out.push_str(&header("flag", ""));
        for (flag, c) in FLAGS.iter().zip(self.assertions) {
            out.push_str(&row(flag, "", c));
        }
        out
    }

    /// The scores as JSON: `notes`, `kinds` (each `exact` and `overlap`),
    /// `all`, and `assertions` (`pairs` and each flag); every count is
    /// `{"tp","fp","fn","precision","recall","f1"}` with `null` for an
    /// undefined ratio.
    pub fn to_json(&self) -> Value {
        let pair = |s: KindScores| json!({"exact": s.exact.to_json(), "overlap": s.overlap.to_json()});
        let kinds: Map<String, Value> = self.kinds.iter().map(|(k, s)| (k.clone(), pair(*s))).collect();
        let mut assertions = Map::new();
        assertions.insert("pairs".into(), json!(self.assertion_pairs));
        for (flag, c) in FLAGS.iter().zip(self.assertions) {
            assertions.insert((*flag).into(), c.to_json());
        }
        json!({
            "notes": {"scored": self.notes.scored, "gold_only": self.notes.gold_only,
                      "pred_only": self.notes.pred_only},
            "kinds": kinds,
            "all": pair(self.total()),
            "assertions": assertions,
        })
    }
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "-".into(), |r| format!("{r:.3}"))
}

/// One mention, as far as scoring needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Span {
    kind: String,
    start: usize,
    end: usize,
    assertion: Option<[bool; 5]>,
}

impl Span {
    fn same(&self, other: &Span) -> bool {
        self.kind == other.kind && self.start == other.start && self.end == other.end
    }

    fn overlaps(&self, other: &Span) -> bool {
        self.kind == other.kind && self.start < other.end && other.start < self.end
    }
}

/// The notes of one input: id → (line, mentions).
type Notes = BTreeMap<String, (usize, Vec<Span>)>;

/// Score `pred` against `gold`, both JSONL readers (see the module docs).
pub fn evaluate(gold: impl BufRead, pred: impl BufRead) -> Result<Scores, EvalError> {
    let gold = read_notes(gold, Side::Gold)?;
    let pred = read_notes(pred, Side::Pred)?;
    let mut scores = Scores::default();
    for (id, (_, g)) in &gold {
        match pred.get(id) {
            Some((_, p)) => {
                scores.notes.scored += 1;
                score_note(g, p, &mut scores);
            }
            None => {
                scores.notes.gold_only += 1;
                score_note(g, &[], &mut scores);
            }
        }
    }
    for (id, (_, p)) in &pred {
        if !gold.contains_key(id) {
            scores.notes.pred_only += 1;
            score_note(&[], p, &mut scores);
        }
    }
    Ok(scores)
}

/// Add one note's counts.
fn score_note(gold: &[Span], pred: &[Span], scores: &mut Scores) {
    let mut gold_of: Vec<Option<usize>> = vec![None; pred.len()];
    let mut taken = vec![false; gold.len()];
    let first_free = |taken: &mut [bool], p: &Span, matches: &dyn Fn(&Span, &Span) -> bool| {
        let i = (0..gold.len()).find(|&i| !taken[i] && matches(&gold[i], p))?;
        taken[i] = true;
        Some(i)
    };
    // Exact pairs.
    for (j, p) in pred.iter().enumerate() {
        gold_of[j] = first_free(&mut taken, p, &|g, p| g.same(p));
    }
    for (j, p) in pred.iter().enumerate() {
        let counts = &mut scores.kinds.entry(p.kind.clone()).or_default().exact;
        match gold_of[j] {
            Some(_) => counts.tp += 1,
            None => counts.fp += 1,
        }
    }
    for (i, g) in gold.iter().enumerate() {
        if !taken[i] {
            scores.kinds.entry(g.kind.clone()).or_default().exact.fn_ += 1;
        }
    }
    // Then overlapping pairs among the rest.
    for (j, p) in pred.iter().enumerate() {
        if gold_of[j].is_none() {
            gold_of[j] = first_free(&mut taken, p, &|g, p| g.overlaps(p));
        }
    }
    for (j, p) in pred.iter().enumerate() {
        let counts = &mut scores.kinds.entry(p.kind.clone()).or_default().overlap;
        let Some(i) = gold_of[j] else {
            counts.fp += 1;
            continue;
        };
        counts.tp += 1;
        if let (Some(g), Some(p)) = (gold[i].assertion, p.assertion) {
            scores.assertion_pairs += 1;
            for (k, counts) in scores.assertions.iter_mut().enumerate() {
                match (g[k], p[k]) {
                    (true, true) => counts.tp += 1,
                    (false, true) => counts.fp += 1,
                    (true, false) => counts.fn_ += 1,
                    (false, false) => {}
                }
            }
        }
    }
    for (i, g) in gold.iter().enumerate() {
        if !taken[i] {
            scores.kinds.entry(g.kind.clone()).or_default().overlap.fn_ += 1;
        }
    }
}

/// Read every line of one input.
fn read_notes(mut reader: impl BufRead, side: Side) -> Result<Notes, EvalError> {
    let mut notes = Notes::new();
    let mut buf = Vec::new();
    let mut line = 0;
    loop {
        line += 1;
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| EvalError::Read { side, line, source })?;
        if n == 0 {
            return Ok(notes);
        }
        let bytes = buf
            .strip_prefix(b"\xEF\xBB\xBF".as_slice())
            .filter(|_| line == 1)
            .unwrap_or(&buf);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let malformed = |reason: String| EvalError::Malformed { side, line, reason };
        let (id, spans) = parse_line(bytes).map_err(malformed)?;
        if let Some((first, _)) = notes.get(&id) {
            return Err(EvalError::DuplicateNote {
                side,
                line,
                first: *first,
                note_id: id,
            });
        }
        notes.insert(id, (line, spans));
    }
}

/// Parse one line. Reasons name fields, never values.
fn parse_line(bytes: &[u8]) -> Result<(String, Vec<Span>), String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of JSON".to_string(),
        _ => format!("invalid JSON at column {}", e.column()),
    })?;
    let obj = value.as_object().ok_or("not a JSON object")?;
    let id = obj
        .get("note_id")
        .and_then(Value::as_str)
        .ok_or("`note_id` is missing or not a string")?;
    let mentions = obj
        .get("mentions")
        .and_then(Value::as_array)
        .ok_or("`mentions` is missing or not an array")?;
    let spans = mentions
        .iter()
        .enumerate()
        .map(|(i, m)| parse_mention(m).map_err(|e| format!("mention {i}: {e}")))
        .collect::<Result<_, _>>()?;
    Ok((id.to_string(), spans))
}

fn parse_mention(m: &Value) -> Result<Span, String> {
    let obj = m.as_object().ok_or("not an object")?;
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("`kind` is missing or not a string")?;
    let offset = |name: &str| {
        obj.get(name)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or(format!("`{name}` is missing or not a non-negative integer"))
    };
    let (start, end) = (offset("start")?, offset("end")?);
    if start > end {
        return Err("`start` is after `end`".into());
    }
    let assertion = match obj.get("assertion") {
        None | Some(Value::Null) => None,
        Some(Value::Object(a)) => {
            let mut flags = [false; 5];
            for (flag, slot) in FLAGS.iter().zip(&mut flags) {
                *slot = match a.get(*flag) {
                    None | Some(Value::Null) => false,
                    Some(Value::Bool(b)) => *b,
                    Some(_) => return Err(format!("`assertion.{flag}` is not a boolean")),
                };
            }
            Some(flags)
        }
        Some(_) => return Err("`assertion` is not an object".into()),
    };
    Ok(Span {
        kind: kind.to_string(),
        start,
        end,
        assertion,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mention: kind initial, start, end, flags as letters (n u h f y), or
    /// "-" for no assertion.
    type M = (&'static str, usize, usize, &'static str);

    fn line(id: &str, mentions: &[M]) -> String {
        let ms: Vec<Value> = mentions
            .iter()
            .map(|&(kind, start, end, flags)| {
                let kind = match kind {
                    "p" => "problem",
                    "m" => "medication",
                    "a" => "allergy",
                    _ => "date",
                };
                let mut m = json!({"id": format!("x{start}-{end}"), "kind": kind, "text": "t",
                                   "start": start, "end": end});
                if flags != "-" {
                    let letters = ["n", "u", "h", "f", "y"];
                    let a: Map<String, Value> = FLAGS
                        .iter()
                        .zip(letters)
                        .map(|(f, l)| ((*f).into(), json!(flags.contains(l))))
                        .collect();
                    m["assertion"] = Value::Object(a);
                }
                m
            })
            .collect();
        json!({"schema": "note2fhir.mentions/1", "note_id": id, "mentions": ms}).to_string()
    }

    fn jsonl(notes: &[(&str, &[M])]) -> String {
        notes.iter().map(|(id, ms)| line(id, ms) + "\n").collect()
    }

    /// (tp, fp, fn)
    fn c(tp: usize, fp: usize, fn_: usize) -> Counts {
        Counts { tp, fp, fn_ }
    }

    #[test]
    fn table_of_cases() {
        #[allow(clippy::type_complexity)]
        let cases: &[(
            &str,
            &[(&str, &[M])],
            &[(&str, &[M])],
            Counts,
            Counts,
            &[(&str, Counts)],
            NoteCounts,
        )] = &[
            (
                "perfect",
                &[("a", &[("p", 0, 4, ""), ("m", 10, 18, "")])],
                &[("a", &[("p", 0, 4, ""), ("m", 10, 18, "")])],
                c(2, 0, 0),
                c(2, 0, 0),
                &[],
                NoteCounts {
                    scored: 1,
                    gold_only: 0,
                    pred_only: 0,
                },
            ),
            (
                "one missed",
                &[("a", &[("p", 0, 4, ""), ("p", 10, 18, "n")])],
                &[("a", &[("p", 0, 4, "")])],
                c(1, 0, 1),
                c(1, 0, 1),
                &[],
                NoteCounts {
                    scored: 1,
                    gold_only: 0,
                    pred_only: 0,
                },
            ),
            (
                "one spurious",
                &[("a", &[("p", 0, 4, "")])],
                &[("a", &[("p", 0, 4, ""), ("m", 20, 25, "")])],
                c(1, 1, 0),
                c(1, 1, 0),
                &[],
                NoteCounts {
                    scored: 1,
                    gold_only: 0,
                    pred_only: 0,
                },
            ),
            (
                "overlapping, not exact",
                &[("a", &[("p", 5, 15, "")])],
                &[("a", &[("p", 0, 10, "")])],
                c(0, 1, 1),
                c(1, 0, 0),
                &[],
                NoteCounts {
                    scored: 1,
                    gold_only: 0,
                    pred_only: 0,
                },
            ),
            (
                "touching spans do not overlap; other kinds do not match",
                &[("a", &[("p", 0, 5, ""), ("m", 10, 15, "")])],
                &[("a", &[("p", 5, 9, ""), ("p", 10, 15, "")])],
                c(0, 2, 2),
                c(0, 2, 2),
                &[],
                NoteCounts {
                    scored: 1,
                    gold_only: 0,
                    pred_only: 0,
                },
            ),
            (
                "each gold matched once, exact pairs first",
                &[("a", &[("p", 0, 10, ""), ("p", 4, 8, "")])],
                &[("a", &[("p", 2, 6, ""), ("p", 0, 10, ""), ("p", 3, 5, "")])],
                c(1, 2, 1),
                c(2, 1, 0),
                &[],
                NoteCounts {
                    scored: 1,
                    gold_only: 0,
                    pred_only: 0,
                },
            ),
            (
                "flag mismatch",
                &[("a", &[("p", 0, 4, "n"), ("p", 10, 14, "u"), ("p", 20, 24, "nf")])],
                &[("a", &[("p", 0, 4, "n"), ("p", 10, 14, "h"), ("p", 19, 24, "f")])],
                c(2, 1, 1),
                c(3, 0, 0),
                &[
                    ("negated", c(1, 0, 1)),
                    ("uncertain", c(0, 0, 1)),
                    ("historical", c(0, 1, 0)),
                    ("family", c(1, 0, 0)),
                    ("hypothetical", c(0, 0, 0)),
                ],
                NoteCounts {
                    scored: 1,
                    gold_only: 0,
                    pred_only: 0,
                },
            ),
            (
                "dates carry no assertion",
                &[("a", &[("d", 0, 10, "")])],
                &[("a", &[("d", 0, 10, "-")])],
                c(1, 0, 0),
                c(1, 0, 0),
                &[("negated", c(0, 0, 0))],
                NoteCounts {
                    scored: 1,
                    gold_only: 0,
                    pred_only: 0,
                },
            ),
            (
                "missing note on either side",
                &[
                    ("a", &[("p", 0, 4, "")]),
                    ("b", &[("p", 0, 4, ""), ("p", 6, 9, "")]),
                ],
                &[("a", &[("p", 0, 4, "")]), ("c", &[("p", 1, 2, "")])],
                c(1, 1, 2),
                c(1, 1, 2),
                &[],
                NoteCounts {
                    scored: 1,
                    gold_only: 1,
                    pred_only: 1,
                },
            ),
        ];
        for (name, gold, pred, exact, overlap, flags, notes) in cases {
            let scores = evaluate(jsonl(gold).as_bytes(), jsonl(pred).as_bytes()).unwrap();
            let total = scores.total();
            assert_eq!(total.exact, *exact, "{name}: exact");
            assert_eq!(total.overlap, *overlap, "{name}: overlap");
            for (flag, counts) in *flags {
                assert_eq!(scores.flag(flag), Some(*counts), "{name}: {flag}");
            }
            assert_eq!(scores.notes, *notes, "{name}: notes");
        }
    }

    #[test]
    fn ratios() {
        let k = c(3, 1, 2);
        assert_eq!(k.precision(), Some(0.75));
        assert_eq!(k.recall(), Some(0.6));
        assert!((k.f1().unwrap() - 2.0 * 0.75 * 0.6 / 1.35).abs() < 1e-12);
        assert_eq!(c(0, 0, 2).precision(), None);
        assert_eq!(c(0, 0, 2).f1(), Some(0.0));
        assert_eq!(c(0, 0, 0).f1(), None);
    }

    #[test]
    fn per_kind_and_outputs() {
        let gold = jsonl(&[("a", &[("p", 0, 4, "n"), ("m", 10, 18, "")])]);
        let pred = jsonl(&[("a", &[("p", 0, 4, "n"), ("m", 11, 18, "")])]);
        let scores = evaluate(gold.as_bytes(), pred.as_bytes()).unwrap();
        assert_eq!(
            scores.kinds["problem"],
            KindScores {
                exact: c(1, 0, 0),
                overlap: c(1, 0, 0)
            }
        );
        assert_eq!(
            scores.kinds["medication"],
            KindScores {
                exact: c(0, 1, 1),
                overlap: c(1, 0, 0)
            }
        );
        assert_eq!(scores.assertion_pairs, 2);
        let v = scores.to_json();
        assert_eq!(v["kinds"]["medication"]["exact"]["fn"], 1);
        assert_eq!(v["kinds"]["medication"]["exact"]["precision"], 0.0);
        assert_eq!(v["all"]["overlap"]["f1"], 1.0);
        assert_eq!(v["assertions"]["negated"]["tp"], 1);
        assert!(v["assertions"]["family"]["precision"].is_null());
        assert_eq!(v["notes"]["scored"], 1);
        let table = scores.to_table();
        assert!(
            table.contains("notes: 1 scored, 0 only in gold, 0 only in pred"),
            "{table}"
        );
        assert!(
            table.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["medication", "exact", "0", "1", "1", "0.000", "0.000", "0.000"]),
            "{table}"
        );
        assert!(
            table.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["negated", "1", "0", "0", "1.000", "1.000", "1.000"]),
            "{table}"
        );
    }

    #[test]
    fn errors_name_the_side_and_line_not_the_text() {
        let good = line("a", &[]);
        let one = |fields: &str| format!(r#"{{"note_id":"a","mentions":[{{"kind":"problem",{fields}}}]}}"#);
        let cases = [
            (
                format!("{good}\n\n{{\"note_id\": \"secret chest pain"),
                Side::Gold,
                3,
                "end of JSON",
            ),
            (format!("{good}\n[1]"), Side::Gold, 2, "not a JSON object"),
            (
                one(r#""text":"secret","start":"secret","end":3"#),
                Side::Gold,
                1,
                "mention 0: `start`",
            ),
            (
                one(r#""text":"secret","start":4,"end":3"#),
                Side::Gold,
                1,
                "after",
            ),
            (
                one(r#""start":0,"end":3,"assertion":{"negated":"secret"}"#),
                Side::Gold,
                1,
                "assertion.negated",
            ),
            (r#"{"mentions":[]}"#.into(), Side::Gold, 1, "note_id"),
        ];
        for (input, side, at, reason) in cases {
            let err = evaluate(input.as_bytes(), good.as_bytes()).unwrap_err();
            let msg = err.to_string();
            assert!(
                matches!(err, EvalError::Malformed { side: s, line, .. } if s == side && line == at),
                "{msg}"
            );
            assert!(msg.starts_with(&format!("{side} line {at}: ")), "{msg}");
            assert!(msg.contains(reason), "{msg}");
            assert!(!msg.contains("secret"), "{msg}");
        }
        let err = evaluate(good.as_bytes(), format!("{good}\n{good}").as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "pred line 2: note id \"a\" was already on line 1"
        );
    }

    #[test]
    fn generated_gold_scores_perfectly_against_itself() {
        let g = crate::generate::Generator::new();
        let gold: String = (0..20).map(|i| g.note(1, i).gold_jsonl() + "\n").collect();
        let scores = evaluate(gold.as_bytes(), gold.as_bytes()).unwrap();
        let total = scores.total();
        assert_eq!((total.exact.fp, total.exact.fn_), (0, 0));
        assert!(total.exact.tp > 100);
        assert_eq!(
            scores.notes,
            NoteCounts {
                scored: 20,
                gold_only: 0,
                pred_only: 0
            }
        );
        for c in scores.assertions {
            assert_eq!((c.fp, c.fn_), (0, 0));
        }
    }
}
