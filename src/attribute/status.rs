//! Medication status cues: whether a drug mention says the drug was started,
//! continued, stopped, held, planned, declined or completed.
//!
//! [`StatusCues::detect`] looks in the words before the drug name and in the
//! words after it (both limited to the drug's clause by the caller) and
//! returns the nearest cue. Distance is counted in words, not counting words
//! that belong to a sig (anything with a digit, dose units, frequency and
//! route abbreviations), so "ramipril 5mg OD - held" finds "held" right next
//! to the drug. On a tie the cue before the drug wins.
//!
//! Some cues only count close to the drug: "on" only within two words before
//! it (and not in "on examination", "on admission"…), "new" within two,
//! "no"/"nil" directly before it. A cue directly after "not" or "never" is
//! ignored ("not stopped"), unless the phrase itself is a negative cue
//! ("not taking", "never started").
//!
//! "switched from X to Y": X gets the "switched from" cue (stopped); for Y,
//! the words "switched … to" right before it are a start.
//!
//! A clause is read once ([`StatusCues::clause`]): its cue matches and its
//! words are listed, and each drug in it ([`StatusCues::detect_in`]) picks
//! from those lists by position, so a clause of many drugs and cues costs
//! time in proportion to its length, not to drugs × cues × length.

use std::collections::BTreeMap;
use std::ops::Range;

use regex::Regex;
use serde::Serialize;

use super::sig::{alternation, compile, normalize};

/// A FHIR `MedicationStatement.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MedStatus {
    /// Being taken (including just started, or a dose change).
    Active,
    /// Stopped.
    Stopped,
    /// Held, withheld, suspended, omitted.
    OnHold,
    /// Planned or being considered.
    Intended,
    /// Declined, refused, not taking.
    NotTaken,
    /// A course finished.
    Completed,
}

impl MedStatus {
    /// The FHIR R4 `MedicationStatement.status` code.
    pub fn fhir_code(&self) -> &'static str {
        match self {
            MedStatus::Active => "active",
            MedStatus::Stopped => "stopped",
            MedStatus::OnHold => "on-hold",
            MedStatus::Intended => "intended",
            MedStatus::NotTaken => "not-taken",
            MedStatus::Completed => "completed",
        }
    }
}

/// The cue that decided a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusCue {
    /// The status the cue gives.
    pub status: MedStatus,
    /// Byte range of the cue in `before` (when `in_before`) or in `after`.
    pub cue_span: Range<usize>,
    /// Whether the cue is in `before`.
    pub in_before: bool,
    /// The drug was started here ("started", "commenced", "switched … to"):
    /// a caller can set `effectivePeriod.start`.
    pub started: bool,
    /// A dose change as written ("increased to 10mg"), for an active drug.
    pub change: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Before,
    After,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    Plain,
    Started,
    Change,
}

/// One cue phrase: its status, what else it says, where it may stand, and
/// at most how many words may separate it from the drug.
struct Rule {
    phrase: &'static str,
    status: MedStatus,
    cue: Cue,
    place: Place,
    near: Option<usize>,
}

const fn rule(phrase: &'static str, status: MedStatus, cue: Cue, place: Place) -> Rule {
    Rule {
        phrase,
        status,
        cue,
        place,
        near: None,
    }
}

const fn near(phrase: &'static str, status: MedStatus, place: Place, words: usize) -> Rule {
    Rule {
        phrase,
        status,
        cue: Cue::Plain,
        place,
        near: Some(words),
    }
}

use Cue::{Change, Plain, Started};
use MedStatus::{Active, Completed, Intended, NotTaken, OnHold, Stopped};
use Place::{After, Before, Both};

/// The cue table. Longer phrases win over the phrases inside them ("plan to
/// start" over "start", "on hold" over "on").
const RULES: &[Rule] = &[
    // Started.
    rule("started", Active, Started, Both),
    rule("started on", Active, Started, Before),
    rule("started back on", Active, Started, Before),
    rule("commenced", Active, Started, Both),
    rule("commenced on", Active, Started, Before),
    rule("initiated", Active, Started, Both),
    rule("initiated on", Active, Started, Before),
    rule("restarted", Active, Started, Both),
    rule("restarted on", Active, Started, Before),
    rule("re-started", Active, Started, Both),
    rule("recommenced", Active, Started, Both),
    rule("re-commenced", Active, Started, Both),
    rule("reintroduced", Active, Started, Both),
    rule("put on", Active, Started, Before),
    rule("start", Active, Started, Both),
    rule("starting", Active, Started, Both),
    rule("newly started", Active, Started, Both),
    Rule {
        phrase: "new",
        status: Active,
        cue: Started,
        place: Before,
        near: Some(2),
    },
    Rule {
        phrase: "new",
        status: Active,
        cue: Started,
        place: After,
        near: Some(1),
    },
    // Continuing.
    rule("continue", Active, Plain, Both),
    rule("continued", Active, Plain, Both),
    rule("continuing", Active, Plain, Both),
    rule("cont", Active, Plain, Both),
    rule("remains on", Active, Plain, Before),
    rule("remain on", Active, Plain, Before),
    rule("still on", Active, Plain, Before),
    rule("already on", Active, Plain, Before),
    rule("currently on", Active, Plain, Before),
    rule("currently taking", Active, Plain, Before),
    rule("maintained on", Active, Plain, Before),
    rule("keep on", Active, Plain, Before),
    near("on", Active, Before, 2),
    near("taking", Active, Before, 3),
    near("takes", Active, Before, 3),
    // Dose changes.
    rule("increased", Active, Change, Both),
    rule("increase", Active, Change, Both),
    rule("dose increased", Active, Change, After),
    rule("reduced", Active, Change, Both),
    rule("reduce", Active, Change, Both),
    rule("dose reduced", Active, Change, After),
    rule("decreased", Active, Change, Both),
    rule("decrease", Active, Change, Both),
    rule("dose decreased", Active, Change, After),
    rule("uptitrated", Active, Change, Both),
    rule("up-titrated", Active, Change, Both),
    rule("titrated up", Active, Change, Both),
    rule("titrated down", Active, Change, Both),
    rule("weaned", Active, Change, Both),
    rule("dose changed", Active, Change, After),
    // Stopped.
    rule("stopped", Stopped, Plain, Both),
    rule("stop", Stopped, Plain, Both),
    rule("stopping", Stopped, Plain, Both),
    rule("stopped taking", Stopped, Plain, Before),
    rule("discontinued", Stopped, Plain, Both),
    rule("discontinue", Stopped, Plain, Both),
    rule("ceased", Stopped, Plain, Both),
    rule("cease", Stopped, Plain, Both),
    rule("d/c", Stopped, Plain, Both),
    rule("d/c'd", Stopped, Plain, Both),
    rule("withdrawn", Stopped, Plain, Both),
    rule("switched from", Stopped, Plain, Before),
    rule("switch from", Stopped, Plain, Before),
    rule("changed from", Stopped, Plain, Before),
    rule("switched", Stopped, Plain, Before),
    rule("switched to", Stopped, Plain, After),
    rule("changed to", Stopped, Plain, After),
    rule("came off", Stopped, Plain, Before),
    rule("taken off", Stopped, Plain, Before),
    rule("no longer on", Stopped, Plain, Before),
    rule("no longer taking", Stopped, Plain, Before),
    rule("was on", Stopped, Plain, Before),
    rule("was taking", Stopped, Plain, Before),
    rule("previously on", Stopped, Plain, Before),
    rule("previously taking", Stopped, Plain, Before),
    rule("formerly on", Stopped, Plain, Before),
    rule("used to take", Stopped, Plain, Before),
    // On hold.
    rule("held", OnHold, Plain, Both),
    rule("hold", OnHold, Plain, Both),
    rule("holding", OnHold, Plain, Both),
    rule("withheld", OnHold, Plain, Both),
    rule("withhold", OnHold, Plain, Both),
    rule("withholding", OnHold, Plain, Both),
    rule("suspended", OnHold, Plain, Both),
    rule("suspend", OnHold, Plain, Both),
    rule("omit", OnHold, Plain, Both),
    rule("omitted", OnHold, Plain, Both),
    rule("omitting", OnHold, Plain, Both),
    rule("on hold", OnHold, Plain, After),
    rule("paused", OnHold, Plain, Both),
    rule("temporarily stopped", OnHold, Plain, Both),
    // Intended.
    rule("plan to start", Intended, Plain, Before),
    rule("plan: start", Intended, Plain, Before),
    rule("plan - start", Intended, Plain, Before),
    rule("plan to commence", Intended, Plain, Before),
    rule("plan for", Intended, Plain, Before),
    rule("will start", Intended, Plain, Before),
    rule("will commence", Intended, Plain, Before),
    rule("to start", Intended, Plain, Before),
    rule("to commence", Intended, Plain, Before),
    rule("to be started", Intended, Plain, After),
    rule("to start", Intended, Plain, After),
    rule("consider", Intended, Plain, Both),
    rule("considering", Intended, Plain, Before),
    rule("could start", Intended, Plain, Before),
    rule("may start", Intended, Plain, Before),
    rule("can start", Intended, Plain, Before),
    rule("should start", Intended, Plain, Before),
    rule("due to start", Intended, Plain, Before),
    rule("awaiting", Intended, Plain, Before),
    rule("consider starting", Intended, Plain, Before),
    rule("consider commencing", Intended, Plain, Before),
    rule("consider restarting", Intended, Plain, Before),
    rule("considering starting", Intended, Plain, Before),
    rule("plan to restart", Intended, Plain, Before),
    rule("planning to start", Intended, Plain, Before),
    rule("will restart", Intended, Plain, Before),
    rule("to restart", Intended, Plain, Before),
    rule("to be restarted", Intended, Plain, After),
    rule("aim to start", Intended, Plain, Before),
    // Not taken.
    rule("declined", NotTaken, Plain, Both),
    rule("declines", NotTaken, Plain, Both),
    rule("refused", NotTaken, Plain, Both),
    rule("refuses", NotTaken, Plain, Both),
    rule("refusing", NotTaken, Plain, Both),
    rule("not taking", NotTaken, Plain, Before),
    rule("not on", NotTaken, Plain, Before),
    rule("not taken", NotTaken, Plain, After),
    rule("not started", NotTaken, Plain, Both),
    rule("not started on", NotTaken, Plain, Before),
    rule("not yet started on", NotTaken, Plain, Before),
    rule("never started on", NotTaken, Plain, Before),
    rule("not commenced on", NotTaken, Plain, Before),
    rule("not yet started", NotTaken, Plain, Both),
    rule("never started", NotTaken, Plain, Both),
    rule("not commenced", NotTaken, Plain, Both),
    rule("not given", NotTaken, Plain, After),
    rule("non-compliant with", NotTaken, Plain, Before),
    rule("not compliant with", NotTaken, Plain, Before),
    rule("does not take", NotTaken, Plain, Before),
    rule("doesn't take", NotTaken, Plain, Before),
    rule("did not take", NotTaken, Plain, Before),
    rule("didn't take", NotTaken, Plain, Before),
    near("no", NotTaken, Before, 1),
    near("nil", NotTaken, Before, 1),
    // Completed.
    rule("course completed", Completed, Plain, After),
    rule("course complete", Completed, Plain, After),
    rule("course finished", Completed, Plain, After),
    rule("completed", Completed, Plain, Both),
    rule("completed course of", Completed, Plain, Before),
    rule("completed a course of", Completed, Plain, Before),
    rule("finished", Completed, Plain, Both),
    rule("finished course of", Completed, Plain, Before),
];

/// Words after "on" that make it not a medication cue ("on examination").
const NOT_AFTER_ON: &[&str] = &[
    "examination",
    "exam",
    "admission",
    "arrival",
    "review",
    "discharge",
    "day",
    "ward",
    "call",
    "assessment",
    "auscultation",
    "palpation",
    "inspection",
    "presentation",
    "transfer",
    "the",
    "this",
    "that",
    "it",
    "a",
    "an",
    "a/e",
];

/// Words that cancel the cue right after them.
const NEGATORS: &[&str] = &["not", "never", "nor", "n't"];

/// The compiled cue rules. Build once, share by reference.
pub struct StatusCues {
    before: Regex,
    after: Regex,
    switched_to: Regex,
    leading_to: Regex,
    word: Regex,
    sig_word: Regex,
    before_rules: BTreeMap<String, usize>,
    after_rules: BTreeMap<String, usize>,
}

impl std::fmt::Debug for StatusCues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusCues").finish_non_exhaustive()
    }
}

impl Default for StatusCues {
    fn default() -> Self {
        StatusCues::new()
    }
}

/// A dose-change target: "to 10mg", "to 2.5 mg", "from 5mg to 10mg".
const CHANGE_TARGET: &str =
    r"(?:\s+dose)?(?:\s+from\s+[\d.,]+\s*[a-zµμ%]*)?\s+to\s+[\d.,]+\s*(?:[a-zµμ%]+(?:/[a-z\d.]+)?)?";

impl StatusCues {
    /// Compile the cue table.
    pub fn new() -> Self {
        let side = |places: [Place; 2]| {
            let rules: Vec<usize> = (0..RULES.len())
                .filter(|i| places.contains(&RULES[*i].place))
                .collect();
            let pattern = format!(
                r"(?i)\b(?P<cue>{})(?P<to>{CHANGE_TARGET})?",
                alternation(rules.iter().map(|i| RULES[*i].phrase))
            );
            let map: BTreeMap<String, usize> =
                rules.iter().map(|i| (normalize(RULES[*i].phrase), *i)).collect();
            (compile(&pattern), map)
        };
        let (before, before_rules) = side([Before, Both]);
        let (after, after_rules) = side([After, Both]);
        StatusCues {
            before,
            after,
            switched_to: compile(
                r"(?i)\b(?:switched|switch|switching|changed|change|converted|convert)\b[^.;]*\bto\s*$",
            ),
            leading_to: compile(r"(?i)^\s*to\s+[\d.,]+\s*(?:[a-zµμ%]+(?:/[a-z\d.]+)?)?"),
            word: compile(r"[A-Za-z0-9µμ][A-Za-z0-9µμ./%'’\-]*"),
            sig_word: compile(
                r"(?i)^(?:.*\d.*|od|bd|tds|tid|qds|qid|nocte|mane|prn|po|iv|im|sc|s/c|sl|pr|stat|mg|g|mcg|micrograms?|ml|units?|tabs?|tablets?|caps?|capsules?|daily|once|twice|weekly|mr|sr|xl|puffs?|inh|neb|top)$",
            ),
            before_rules,
            after_rules,
        }
    }

    /// The nearest status cue for a drug mention.
    ///
    /// `before` is the text from the start of the clause (or line) up to the
    /// drug name; `after` is the text after the drug name to the end of the
    /// clause. The cue's span is relative to the string it was found in.
    pub fn detect(&self, before: &str, after: &str) -> Option<StatusCue> {
        self.nearest(&self.clause(before), before.len(), &self.clause(after), 0)
    }

    /// Find the cues and words of a clause once, for every drug named in it
    /// ([`StatusCues::detect_in`]).
    pub fn clause<'t>(&self, text: &'t str) -> ClauseCues<'t> {
        let words = Words::new(self, text);
        let before = self
            .before
            .captures_iter(text)
            .filter_map(|c| self.found(&c, true, &words))
            .collect();
        let after = self
            .after
            .captures_iter(text)
            .filter_map(|c| self.found(&c, false, &words))
            .collect();
        ClauseCues {
            text,
            before,
            after,
            words,
        }
    }

    /// The nearest status cue for the drug whose name starts at byte `name`
    /// of a clause and whose instructions end at `sig_end`: the same as
    /// [`StatusCues::detect`] on the clause's text before `name` and after
    /// `sig_end`, with the cue's span relative to those texts. Each drug
    /// costs the cues of its clause, not a new reading of it.
    pub fn detect_in(&self, clause: &ClauseCues<'_>, name: usize, sig_end: usize) -> Option<StatusCue> {
        let text = clause.text;
        let sig_end = sig_end.clamp(name, text.len());
        // Cue phrases start with a letter and end with a letter (then `\b`)
        // or a dot. A cut between two letters, or after a word character
        // other than a letter before a letter, reads `\b` differently from
        // the whole clause: read the two texts on their own then.
        let letter = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || !c.is_ascii());
        let cut_name = letter(text[..name].chars().next_back());
        let cut_sig = word(text[..sig_end].chars().next_back()) && letter(text[sig_end..].chars().next());
        if cut_name || cut_sig {
            return self.detect(&text[..name], &text[sig_end..]);
        }
        self.nearest(clause, name, clause, sig_end)
    }

    /// The nearest cue for a drug between `b.text[..name]` and
    /// `a.text[sig_end..]` (one clause, or two texts for [`StatusCues::detect`]).
    fn nearest(
        &self,
        b: &ClauseCues<'_>,
        name: usize,
        a: &ClauseCues<'_>,
        sig_end: usize,
    ) -> Option<StatusCue> {
        let before = &b.text[..name];
        let after = &a.text[sig_end..];
        let switched = self.switched_to.find(before).map(|m| {
            let cue = StatusCue {
                status: Active,
                cue_span: m.start()..m.end(),
                in_before: true,
                started: true,
                change: None,
            };
            (0, cue)
        });
        let cue_before = self
            .nearest_before(b, name)
            .map(|(d, f)| (d, self.before_cue(&f, before, after)));
        let cue_after = self.first_after(a, sig_end).map(|(d, f)| {
            let rule = &RULES[f.rule];
            let span = f.cue.start - sig_end..f.cue.end - sig_end;
            let (span, change) = match rule.cue {
                Change => {
                    let end = f.to.as_ref().map_or(f.cue.end, |t| t.end) - sig_end;
                    (span.start..end, Some(after[span.start..end].to_string()))
                }
                _ => (span, None),
            };
            let cue = StatusCue {
                status: rule.status,
                cue_span: span,
                in_before: false,
                started: rule.cue == Started,
                change,
            };
            (d, cue)
        });
        // Offered in this order, a later cue wins only when strictly nearer:
        // on a tie the cue before the drug wins.
        [switched, cue_before, cue_after]
            .into_iter()
            .flatten()
            .reduce(|best, next| if next.0 < best.0 { next } else { best })
            .map(|(_, cue)| cue)
    }

    /// The acceptable cue before the drug at `name` with the fewest words
    /// between (the first of equals), and that number.
    fn nearest_before(&self, b: &ClauseCues<'_>, name: usize) -> Option<(usize, Found)> {
        let mut best: Option<(usize, Found)> = None;
        let mut offer = |f: &Found| {
            let (distance, first, _) = b.words.between(self, f.cue.end, name);
            let better = best.as_ref().is_none_or(|(d, _)| distance < *d);
            if better && !f.negated && self.near_enough(&RULES[f.rule], distance, first) {
                best = Some((distance, f.clone()));
            }
        };
        // The clause's matches that end before the name are those of the
        // text before it; one running into the name is read again there.
        let inside = b.before.partition_point(|f| f.whole.end <= name);
        b.before[..inside].iter().for_each(&mut offer);
        if let Some(cut) = b.before.get(inside).filter(|f| f.whole.start < name) {
            let before = &b.text[..name];
            let mut at = cut.whole.start;
            while let Some(c) = self.before.captures_at(before, at) {
                at = c.get(0).map_or(before.len(), |m| m.end());
                if let Some(f) = self.found(&c, true, &b.words) {
                    offer(&f);
                }
            }
        }
        best
    }

    /// The first acceptable cue after `sig_end`, and the words between.
    fn first_after(&self, a: &ClauseCues<'_>, sig_end: usize) -> Option<(usize, Found)> {
        let accept = |f: &Found| {
            let (distance, first, last) = a.words.between(self, sig_end, f.cue.start);
            let rule = &RULES[f.rule];
            (!self.negated(rule, last) && self.near_enough(rule, distance, first)).then_some(distance)
        };
        // The clause's matches from `sig_end` on are those of the text after
        // it, unless one runs across `sig_end`: then read from there.
        let from = a.after.partition_point(|f| f.whole.start < sig_end);
        if from == 0 || a.after[from - 1].whole.end <= sig_end {
            return a.after[from..]
                .iter()
                .find_map(|f| accept(f).map(|d| (d, f.clone())));
        }
        let mut at = sig_end;
        while let Some(c) = self.after.captures_at(a.text, at) {
            at = c.get(0).map_or(a.text.len(), |m| m.end());
            if let Some(f) = self.found(&c, false, &a.words) {
                if let Some(d) = accept(&f) {
                    return Some((d, f));
                }
            }
        }
        None
    }

    /// The status cue for a cue found before the drug.
    fn before_cue(&self, f: &Found, before: &str, after: &str) -> StatusCue {
        let rule = &RULES[f.rule];
        let cue = &before[f.cue.clone()];
        let change = match rule.cue {
            Change => Some(match f.to {
                Some(_) => before[f.whole.clone()].to_string(),
                None => match self.leading_to.find(after) {
                    Some(t) => format!("{cue} {}", t.as_str().trim()),
                    None => cue.to_string(),
                },
            }),
            _ => None,
        };
        StatusCue {
            status: rule.status,
            cue_span: f.cue.start..f.to.as_ref().map_or(f.cue.end, |t| t.end),
            in_before: true,
            started: rule.cue == Started,
            change,
        }
    }

    /// A cue match with its rule, or `None` when no rule of its side names it.
    fn found(&self, c: &regex::Captures<'_>, before: bool, words: &Words<'_>) -> Option<Found> {
        let (cue, whole) = (c.name("cue")?, c.get(0)?);
        let rules = if before {
            &self.before_rules
        } else {
            &self.after_rules
        };
        let rule = *rules.get(&normalize(cue.as_str()))?;
        Some(Found {
            whole: whole.range(),
            cue: cue.range(),
            to: c.name("to").map(|t| t.range()),
            rule,
            negated: self.negated(&RULES[rule], words.last_before(cue.start())),
        })
    }

    /// Whether the word before a cue (`prev`) cancels it ("not stopped").
    fn negated(&self, rule: &Rule, prev: Option<&str>) -> bool {
        let starts_negative = ["not", "no", "never", "non", "did", "does"]
            .iter()
            .any(|n| rule.phrase.starts_with(n));
        !starts_negative
            && prev
                .map(str::to_lowercase)
                .is_some_and(|p| NEGATORS.contains(&p.as_str()) || p.ends_with("n't"))
    }

    /// Whether a cue is near enough to the drug when its rule says so:
    /// `distance` counts the words between them that are not sig words, and
    /// `first` is the first word between.
    fn near_enough(&self, rule: &Rule, distance: usize, first: Option<&str>) -> bool {
        let Some(limit) = rule.near else { return true };
        distance <= limit
            && !(rule.phrase == "on"
                && first.is_some_and(|f| NOT_AFTER_ON.iter().any(|w| f.eq_ignore_ascii_case(w))))
    }

    /// Whether a word is sig vocabulary (dose, unit, frequency, route).
    fn is_sig(&self, word: &str) -> bool {
        self.sig_word.is_match(word)
    }
}

/// The status cues and words of one clause, found once
/// ([`StatusCues::clause`]) and shared by the drugs named in it.
pub struct ClauseCues<'t> {
    text: &'t str,
    /// Matches of the before-the-drug cues, in order.
    before: Vec<Found>,
    /// Matches of the after-the-drug cues, in order.
    after: Vec<Found>,
    words: Words<'t>,
}

impl std::fmt::Debug for ClauseCues<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClauseCues")
            .field("before", &self.before.len())
            .field("after", &self.after.len())
            .finish_non_exhaustive()
    }
}

/// One cue match in a clause.
#[derive(Debug, Clone)]
struct Found {
    /// The whole match (the cue and any dose-change target).
    whole: Range<usize>,
    cue: Range<usize>,
    /// The dose-change target ("to 10mg").
    to: Option<Range<usize>>,
    /// Index into [`RULES`].
    rule: usize,
    /// The word before the cue cancels it (for cues before the drug, whose
    /// preceding text is the clause's).
    negated: bool,
}

/// The words of a text (runs of the word pattern), listed once, with how
/// many are not sig words. The pattern's first character is one of its
/// later ones, so the words of `text[x..y]` are those of `text` inside it,
/// the one cut at `x` read from its first letter or digit after `x`, and
/// the one cut at `y` read up to `y`.
struct Words<'t> {
    text: &'t str,
    spans: Vec<Range<usize>>,
    /// `plain[i]`: how many of the first `i` words are not sig words.
    plain: Vec<usize>,
}

impl<'t> Words<'t> {
    fn new(cues: &StatusCues, text: &'t str) -> Words<'t> {
        let spans: Vec<Range<usize>> = cues.word.find_iter(text).map(|m| m.range()).collect();
        let mut plain = Vec::with_capacity(spans.len() + 1);
        plain.push(0);
        for w in &spans {
            let n = plain[plain.len() - 1] + usize::from(!cues.is_sig(&text[w.clone()]));
            plain.push(n);
        }
        Words { text, spans, plain }
    }

    /// The last word of `text[..at]`.
    fn last_before(&self, at: usize) -> Option<&'t str> {
        let i = self.spans.partition_point(|w| w.start < at);
        let w = self.spans.get(i.checked_sub(1)?)?;
        Some(&self.text[w.start..w.end.min(at)])
    }

    /// The words of `text[x..y]`: how many are not sig words, the first and
    /// the last.
    fn between(&self, cues: &StatusCues, x: usize, y: usize) -> (usize, Option<&'t str>, Option<&'t str>) {
        let mut pieces: [Option<&'t str>; 2] = [None, None];
        let mut count = 0;
        let mut from = self.spans.partition_point(|w| w.end <= x);
        let to = self.spans.partition_point(|w| w.start < y);
        // A word cut at `x`: read from its first letter or digit.
        if let Some(w) = self.spans.get(from).filter(|w| w.start < x && from < to) {
            let rest = &self.text[x..w.end.min(y)];
            if let Some(q) = rest.find(|c: char| c.is_ascii_alphanumeric() || matches!(c, 'µ' | 'μ')) {
                pieces[0] = Some(&rest[q..]);
                count += usize::from(!cues.is_sig(&rest[q..]));
            }
            from += 1;
        }
        if from < to {
            // The words inside, the last perhaps cut at `y`.
            let last = &self.spans[to - 1];
            let whole_to = if last.end > y { to - 1 } else { to };
            count += self.plain[whole_to] - self.plain[from];
            let cut = &self.text[last.start..last.end.min(y)];
            if whole_to < to {
                count += usize::from(!cues.is_sig(cut));
            }
            let first_word = &self.spans[from];
            let first_word = &self.text[first_word.start..first_word.end.min(y)];
            pieces = [pieces[0].or(Some(first_word)), Some(cut)];
        }
        (count, pieces[0], pieces[1].or(pieces[0]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, clause, drug, expected status, started, change).
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        Option<MedStatus>,
        bool,
        Option<&'static str>,
    );

    #[rustfmt::skip]
    const TABLE: &[Row] = &[
        ("started", "Started amlodipine 5mg OD", "amlodipine", Some(Active), true, None),
        ("commenced on", "Commenced on apixaban 5mg BD", "apixaban", Some(Active), true, None),
        ("commenced after", "Amlodipine commenced today", "Amlodipine", Some(Active), true, None),
        ("new", "New ramipril 2.5mg OD", "ramipril", Some(Active), true, None),
        ("new after", "Amlodipine 5mg OD (new)", "Amlodipine", Some(Active), true, None),
        ("initiated", "Initiated bisoprolol", "bisoprolol", Some(Active), true, None),
        ("start imperative", "Start metformin 500mg BD", "metformin", Some(Active), true, None),
        ("restarted", "Restarted ramipril", "ramipril", Some(Active), true, None),
        ("continue", "Continue ramipril 5mg OD", "ramipril", Some(Active), false, None),
        ("continue after", "Ramipril 5mg OD - continue", "Ramipril", Some(Active), false, None),
        ("continued after prn", "Paracetamol 1g QDS PRN, continued", "Paracetamol", Some(Active), false, None),
        ("remains on", "Remains on warfarin", "warfarin", Some(Active), false, None),
        ("on", "On bisoprolol 2.5mg OD", "bisoprolol", Some(Active), false, None),
        ("on regular", "on regular paracetamol", "paracetamol", Some(Active), false, None),
        ("taking", "Taking metformin 1g BD", "metformin", Some(Active), false, None),
        ("on examination far", "On examination chest clear, ramipril 5mg OD", "ramipril", None, false, None),
        ("on examination near", "On examination ramipril", "ramipril", None, false, None),
        ("on too far", "on day 3 of the ward round ramipril", "ramipril", None, false, None),
        ("stopped", "Stopped ramipril due to AKI", "ramipril", Some(Stopped), false, None),
        ("stopped after", "Ramipril stopped due to AKI", "Ramipril", Some(Stopped), false, None),
        ("stop", "Stop simvastatin", "simvastatin", Some(Stopped), false, None),
        ("discontinued", "Discontinued atorvastatin", "atorvastatin", Some(Stopped), false, None),
        ("ceased", "Aspirin ceased", "Aspirin", Some(Stopped), false, None),
        ("d/c'd", "Ramipril d/c'd", "Ramipril", Some(Stopped), false, None),
        ("switched from: old", "Switched from ramipril to losartan", "ramipril", Some(Stopped), false, None),
        ("switched from: new", "Switched from ramipril to losartan", "losartan", Some(Active), true, None),
        ("switch from: new", "Switch from omeprazole to lansoprazole", "lansoprazole", Some(Active), true, None),
        ("switched to after", "Omeprazole switched to lansoprazole", "Omeprazole", Some(Stopped), false, None),
        ("held", "Held ramipril", "ramipril", Some(OnHold), false, None),
        ("held after", "Ramipril held (AKI)", "Ramipril", Some(OnHold), false, None),
        ("withhold", "Withhold metformin while NBM", "metformin", Some(OnHold), false, None),
        ("withheld", "Warfarin withheld, INR 5.2", "Warfarin", Some(OnHold), false, None),
        ("suspended", "Apixaban suspended", "Apixaban", Some(OnHold), false, None),
        ("omit", "Omit gliclazide today", "gliclazide", Some(OnHold), false, None),
        ("on hold", "Metformin on hold", "Metformin", Some(OnHold), false, None),
        ("plan to start", "Plan to start apixaban", "apixaban", Some(Intended), false, None),
        ("plan: start", "Plan: start bisoprolol 1.25mg OD", "bisoprolol", Some(Intended), false, None),
        ("consider", "Consider statin", "statin", Some(Intended), false, None),
        ("will start", "Will start amlodipine if BP remains high", "amlodipine", Some(Intended), false, None),
        ("to start", "Patient to start ramipril", "ramipril", Some(Intended), false, None),
        ("declined", "Declined statin", "statin", Some(NotTaken), false, None),
        ("refused", "Refused enoxaparin", "enoxaparin", Some(NotTaken), false, None),
        ("not taking", "Not taking aspirin", "aspirin", Some(NotTaken), false, None),
        ("not on", "Not on anticoagulation", "anticoagulation", Some(NotTaken), false, None),
        ("no", "No anticoagulation", "anticoagulation", Some(NotTaken), false, None),
        ("course completed", "Co-amoxiclav course completed", "Co-amoxiclav", Some(Completed), false, None),
        ("completed course of", "Completed course of doxycycline", "doxycycline", Some(Completed), false, None),
        ("increased to", "Ramipril increased to 10mg", "Ramipril", Some(Active), false, Some("increased to 10mg")),
        ("reduced to", "Bisoprolol reduced to 2.5mg", "Bisoprolol", Some(Active), false, Some("reduced to 2.5mg")),
        ("dose decreased to", "Furosemide dose decreased to 40mg OD", "Furosemide", Some(Active), false, Some("dose decreased to 40mg")),
        ("increased drug to", "Increased ramipril to 10mg", "ramipril", Some(Active), false, Some("Increased to 10mg")),
        ("increased no target", "Ramipril dose increased", "Ramipril", Some(Active), false, Some("dose increased")),
        ("stop and start: old", "Stop ramipril and start amlodipine", "ramipril", Some(Stopped), false, None),
        ("stop and start: new", "Stop ramipril and start amlodipine", "amlodipine", Some(Active), true, None),
        ("tie goes before", "Started on apixaban, stopped warfarin", "apixaban", Some(Active), true, None),
        ("second of two", "Started on apixaban, stopped warfarin", "warfarin", Some(Stopped), false, None),
        ("not stopped", "Aspirin not stopped", "Aspirin", None, false, None),
        ("no cue", "Ramipril 5mg OD", "Ramipril", None, false, None),
        ("was on", "Was on warfarin, now on apixaban", "warfarin", Some(Stopped), false, None),
        ("now on", "Was on warfarin, now on apixaban", "apixaban", Some(Active), false, None),
        ("consider starting", "Consider starting statin", "statin", Some(Intended), false, None),
        ("not started on", "Not started on anticoagulation", "anticoagulation", Some(NotTaken), false, None),
        ("no longer taking", "No longer taking omeprazole", "omeprazole", Some(Stopped), false, None),
        ("plan hold", "Plan: hold metformin", "metformin", Some(OnHold), false, None),
        ("stopped after sig", "Ramipril 5mg OD - stopped on admission due to AKI", "Ramipril", Some(Stopped), false, None),
        ("uptitrated", "Bisoprolol uptitrated to 5mg", "Bisoprolol", Some(Active), false, Some("uptitrated to 5mg")),
        ("sig words skipped", "Ramipril 5mg OD PO - held", "Ramipril", Some(OnHold), false, None),
    ];

    #[test]
    fn status_table() {
        assert!(TABLE.len() >= 40);
        let cues = StatusCues::new();
        let mut failures = Vec::new();
        for (name, clause, drug, status, started, change) in TABLE {
            let Some(at) = clause.find(drug) else {
                failures.push(format!("{name}: {drug:?} not in {clause:?}"));
                continue;
            };
            let (before, after) = (&clause[..at], &clause[at + drug.len()..]);
            let got = cues.detect(before, after);
            let summary = got.as_ref().map(|c| (c.status, c.started, c.change.as_deref()));
            let want = status.map(|s| (s, *started, *change));
            if summary != want {
                failures.push(format!("{name} ({clause:?}): got {got:?}, want {want:?}"));
                continue;
            }
            if let Some(c) = &got {
                let side = if c.in_before { before } else { after };
                if c.cue_span.end > side.len() || c.cue_span.start >= c.cue_span.end {
                    failures.push(format!("{name}: bad cue span {:?}", c.cue_span));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn cue_spans_and_codes() {
        let cues = StatusCues::new();
        let before = "Plan: stop ";
        let got = cues.detect(before, " 5mg OD");
        assert_eq!(
            got.as_ref().map(|c| (&before[c.cue_span.clone()], c.in_before)),
            Some(("stop", true))
        );
        let after = " increased to 10mg OD";
        let got = cues.detect("Ramipril", after);
        assert_eq!(
            got.as_ref().map(|c| &after[c.cue_span.clone()]),
            Some("increased to 10mg")
        );
        let got = cues.detect("", " withheld");
        assert_eq!(
            got.map(|c| (c.status.fhir_code(), c.cue_span, c.in_before)),
            Some(("on-hold", 1..9, false))
        );
        let codes: Vec<&str> = [Active, Stopped, OnHold, Intended, NotTaken, Completed]
            .iter()
            .map(|s| s.fhir_code())
            .collect();
        assert_eq!(
            codes,
            [
                "active",
                "stopped",
                "on-hold",
                "intended",
                "not-taken",
                "completed"
            ]
        );
    }

    /// The first implementation, which read the two texts again for each
    /// cue: the oracle the clause-at-once reading must agree with.
    fn reference(cues: &StatusCues, before: &str, after: &str) -> Option<StatusCue> {
        let distance = |between: &str| {
            cues.word
                .find_iter(between)
                .filter(|m| !cues.sig_word.is_match(m.as_str()))
                .count()
        };
        let allowed = |rule: &Rule, preceding: &str, between: &str| {
            let prev = cues.word.find_iter(preceding).last().map(|m| m.as_str());
            let first = cues.word.find_iter(between).next().map(|m| m.as_str());
            !cues.negated(rule, prev) && cues.near_enough(rule, distance(between), first)
        };
        let mut best: Option<(usize, StatusCue)> = None;
        let mut offer = |distance: usize, cue: StatusCue| {
            let better = match &best {
                None => true,
                Some((d, have)) => distance < *d || (distance == *d && cue.in_before && !have.in_before),
            };
            if better {
                best = Some((distance, cue));
            }
        };
        if let Some(m) = cues.switched_to.find(before) {
            let cue = StatusCue {
                status: Active,
                cue_span: m.start()..m.end(),
                in_before: true,
                started: true,
                change: None,
            };
            offer(0, cue);
        }
        for c in cues.before.captures_iter(before) {
            let (cue, all) = (c.name("cue").unwrap(), c.get(0).unwrap());
            let Some(&i) = cues.before_rules.get(&normalize(cue.as_str())) else {
                continue;
            };
            let rule = &RULES[i];
            let between = &before[cue.end()..];
            if !allowed(rule, &before[..cue.start()], between) {
                continue;
            }
            let change = (rule.cue == Change).then(|| match c.name("to") {
                Some(_) => all.as_str().to_string(),
                None => match cues.leading_to.find(after) {
                    Some(t) => format!("{} {}", cue.as_str(), t.as_str().trim()),
                    None => cue.as_str().to_string(),
                },
            });
            let span = cue.start()..c.name("to").map_or(cue.end(), |t| t.end());
            let cue = StatusCue {
                status: rule.status,
                cue_span: span,
                in_before: true,
                started: rule.cue == Started,
                change,
            };
            offer(distance(between), cue);
        }
        for c in cues.after.captures_iter(after) {
            let cue = c.name("cue").unwrap();
            let Some(&i) = cues.after_rules.get(&normalize(cue.as_str())) else {
                continue;
            };
            let rule = &RULES[i];
            let between = &after[..cue.start()];
            if !allowed(rule, between, between) {
                continue;
            }
            let (span, change) = match rule.cue {
                Change => {
                    let end = c.name("to").map_or(cue.end(), |t| t.end());
                    (cue.start()..end, Some(after[cue.start()..end].to_string()))
                }
                _ => (cue.start()..cue.end(), None),
            };
            let cue = StatusCue {
                status: rule.status,
                cue_span: span,
                in_before: false,
                started: rule.cue == Started,
                change,
            };
            offer(distance(between), cue);
            break;
        }
        best.map(|(_, cue)| cue)
    }

    #[test]
    fn each_drug_of_a_clause_gets_its_nearest_cue() {
        let cues = StatusCues::new();
        let clause = "stopped ramipril 5mg OD held bisoprolol then started amlodipine and continue aspirin";
        let clause_cues = cues.clause(clause);
        let got: Vec<(&str, Option<&str>, bool)> = ["ramipril", "bisoprolol", "amlodipine", "aspirin"]
            .iter()
            .map(|drug| {
                let name = clause.find(drug).unwrap();
                let sig_end = name + drug.len() + if *drug == "ramipril" { 7 } else { 0 };
                let cue = cues.detect_in(&clause_cues, name, sig_end).unwrap();
                let side = if cue.in_before {
                    &clause[..name]
                } else {
                    &clause[sig_end..]
                };
                (*drug, Some(&side[cue.cue_span.clone()]), cue.in_before)
            })
            .collect();
        assert_eq!(
            got,
            [
                // "stopped" right before; "held" after the sig is as near, and
                // on a tie the cue before wins.
                ("ramipril", Some("stopped"), true),
                ("bisoprolol", Some("held"), true),
                ("amlodipine", Some("started"), true),
                ("aspirin", Some("continue"), true),
            ]
        );
        // A drug with no cue before it takes the first one after it.
        let clause = "aspirin 75mg OD stopped and ramipril";
        let cue = cues.detect_in(&cues.clause(clause), 0, 15).unwrap();
        assert_eq!((cue.status, cue.in_before, cue.cue_span), (Stopped, false, 1..8));
    }

    #[test]
    fn a_cue_running_into_the_drug_is_read_again() {
        // In the whole clause "increased to 10 aspirin" takes "aspirin" as
        // the unit of the dose change; before the drug it ends at "10".
        let cues = StatusCues::new();
        let clause = "ramipril increased to 10 aspirin";
        let name = clause.find("aspirin").unwrap();
        let clause_cues = cues.clause(clause);
        assert!(clause_cues
            .before
            .iter()
            .any(|f| f.whole.start < name && f.whole.end > name));
        let got = cues.detect_in(&clause_cues, name, clause.len());
        assert_eq!(got, reference(&cues, &clause[..name], ""));
        assert_eq!(got.and_then(|c| c.change).as_deref(), Some("increased to 10 "));
    }

    /// Words that make cues, sig words, negators, drugs and awkward
    /// characters.
    fn clause_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let words = prop::sample::select(vec![
            "started",
            "on",
            "not",
            "never",
            "didn't",
            "no",
            "nil",
            "stopped",
            "held",
            "on hold",
            "increased",
            "to",
            "10",
            "10mg",
            "from",
            "dose",
            "switched",
            "changed",
            "plan",
            "plan:",
            "start",
            "continue",
            "cont",
            "cont.",
            "new",
            "taking",
            "examination",
            "the",
            "course",
            "completed",
            "d/c'd",
            "5mg",
            "OD",
            "PRN",
            "x5/7",
            "aspirin",
            "ramipril",
            "co-amoxiclav",
            "µg",
            "é",
            "e\u{301}",
            "\u{212a}",
            "ſ",
            "_",
            "’",
            "'",
            "-",
            ".",
            "/",
            "%",
            ",",
            ";",
            "(",
            "x",
        ]);
        let glue = prop::sample::select(vec![" ", " ", " ", "", "-", "  ", "\t"]);
        prop::collection::vec((words, glue), 0..30)
            .prop_map(|parts| parts.iter().map(|(w, g)| format!("{w}{g}")).collect::<String>())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256),
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Reading a clause once gives, for every drug and any end of its
        /// instructions, what reading its two sides afresh gives.
        #[test]
        fn clause_at_once_agrees_with_fresh_reading(clause in clause_text(), pick in 0usize..1000) {
            let cues = StatusCues::new();
            let clause_cues = cues.clause(&clause);
            let bounds: Vec<usize> = clause.char_indices().map(|(i, _)| i).chain([clause.len()]).collect();
            for drug in ["aspirin", "ramipril", "co-amoxiclav"] {
                for (name, _) in clause.match_indices(drug) {
                    let after: Vec<usize> = bounds.iter().copied().filter(|&b| b >= name + drug.len()).collect();
                    let sig_end = after[pick % after.len()];
                    let (before, rest) = (&clause[..name], &clause[sig_end..]);
                    let want = reference(&cues, before, rest);
                    proptest::prop_assert_eq!(&cues.detect(before, rest), &want);
                    proptest::prop_assert_eq!(&cues.detect_in(&clause_cues, name, sig_end), &want);
                }
            }
        }
    }
}
