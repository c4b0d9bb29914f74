//! Medication details: each drug mention's instructions (the sig), its
//! status from the words around it, and the overdose reading of "OD".
//!
//! The sig is read from the text after the drug name up to the end of its
//! clause (or the next finding), by [`crate::attribute::SigParser`]; a second
//! instruction after `/` or `or` ("paracetamol 1g QDS PO / PRN") is read as
//! another dosage. A dose change written before the dose ("amlodipine
//! increased to 10mg OD") is kept and the dose after it is read.
//!
//! Status comes from the cue nearest the drug in its clause
//! ([`crate::attribute::StatusCues`]): started → active (and the start date),
//! continue/on → active, stopped/switched from → stopped, held/omit →
//! on-hold, plan to start/consider → intended, declined/not taking/not on →
//! not-taken, course completed → completed. With no cue, a drug listed under
//! the drug history or discharge medications is active; one the context
//! engine negated ("no anticoagulation") is not-taken; anything else is
//! unknown. In a plan, an imperative "start"/"commence" means intended.

use std::ops::Range;

use regex::Regex;
use serde::Serialize;

use crate::attribute::{Amount, ClauseCues, Sig, SigParser, StatusCues};
use crate::mention::CharCounter;

/// A quantity as written, with its span: a dose, a strength or a rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AmountOut {
    /// The number (the low end of a range).
    pub value: f64,
    /// The UCUM unit (`mg`, `ug`, `mL`, `[iU]`, `{tablet}`, `mL/h`).
    pub unit: String,
    /// The unit as written.
    pub unit_text: String,
    /// A range's low end.
    pub low: Option<f64>,
    /// A range's high end.
    pub high: Option<f64>,
    /// The denominator of a strength ratio ("40mg/5ml" → 5 mL).
    pub per: Option<PerOut>,
    /// Code-point span.
    pub start: usize,
    /// Code-point end.
    pub end: usize,
}

/// The denominator of a ratio.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerOut {
    /// The number.
    pub value: f64,
    /// The UCUM unit.
    pub unit: String,
}

/// A route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteOut {
    /// The ward code: PO, IV, IM, SC, SL, PR, PV, INH, NEB, NG, PEG, TOP, TD, OPH, NAS, BUC.
    pub code: &'static str,
    /// As written.
    pub text: String,
    /// Code-point span.
    pub start: usize,
    /// Code-point end.
    pub end: usize,
}

/// A frequency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrequencyOut {
    /// Doses a day, when daily or more often (`null` for weekly, STAT).
    pub per_day: Option<f64>,
    /// How many times per period.
    pub frequency: u32,
    /// The period.
    pub period: f64,
    /// The longest period of a range ("4-6 hourly").
    pub period_max: Option<f64>,
    /// The period's unit: `h`, `d`, `wk`, `mo`.
    pub period_unit: &'static str,
    /// FHIR event timing: `MORN`, `NIGHT`, `NOON`…
    pub when: Vec<&'static str>,
    /// The HL7 v3-GTSAbbreviation code (`BID`, `TID`, `QD`…), if one fits.
    pub code: Option<&'static str>,
    /// A single immediate dose.
    pub stat: bool,
    /// As written.
    pub text: String,
    /// Code-point span.
    pub start: usize,
    /// Code-point end.
    pub end: usize,
}

/// A maximum dose per period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaxOut {
    /// The most that may be given.
    pub value: f64,
    /// Its UCUM unit.
    pub unit: String,
    /// Over this period.
    pub period: f64,
    /// The period's unit.
    pub period_unit: &'static str,
    /// Code-point span.
    pub start: usize,
    /// Code-point end.
    pub end: usize,
}

/// A duration of treatment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DurationOut {
    /// The amount, when one is given ("until review" has none).
    pub value: Option<f64>,
    /// Its UCUM unit: `d`, `wk`, `mo`.
    pub unit: Option<&'static str>,
    /// As written.
    pub text: String,
    /// Code-point span.
    pub start: usize,
    /// Code-point end.
    pub end: usize,
}

/// A piece of text with its span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextOut {
    /// The text (for a form, its name: `tablet`, `inhaler`…).
    pub text: String,
    /// Code-point span.
    pub start: usize,
    /// Code-point end.
    pub end: usize,
}

/// One set of instructions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DosageOut {
    /// The whole instruction as written.
    pub sig: Option<TextOut>,
    /// The strength of the product ("500mg" in "2 x 500mg tablets").
    pub strength: Option<AmountOut>,
    /// The amount per dose; an amount with no separate count is the dose.
    pub dose: Option<AmountOut>,
    /// The route.
    pub route: Option<RouteOut>,
    /// How often.
    pub frequency: Option<FrequencyOut>,
    /// The most per period.
    pub max_per_period: Option<MaxOut>,
    /// Given as needed.
    pub as_needed: bool,
    /// What it is needed for ("PRN for pain").
    pub as_needed_reason: Option<TextOut>,
    /// For how long.
    pub duration: Option<DurationOut>,
    /// The form (`tablet`, `inhaler`, `cream`…).
    pub form: Option<TextOut>,
    /// An infusion rate.
    pub rate: Option<AmountOut>,
    /// What it is for ("for AF").
    pub indication: Option<TextOut>,
}

/// Everything known about one medication mention.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MedicationOut {
    /// The first (usually only) set of instructions.
    #[serde(flatten)]
    pub dosage: DosageOut,
    /// Further instructions for the same drug ("/ PRN", "then 75mg OD").
    pub more: Vec<DosageOut>,
    /// FHIR MedicationStatement status: `active`, `stopped`, `on-hold`,
    /// `intended`, `not-taken`, `completed` or `unknown`.
    pub status: &'static str,
    /// The words that set the status.
    pub status_cue: Option<TextOut>,
    /// Whether the drug was started here ("started", "commenced").
    pub started: bool,
    /// A dose change as written ("increased to 10mg").
    pub change: Option<String>,
}

/// The compiled medication rules. Build once, share by reference.
#[derive(Debug)]
pub struct MedicationRules {
    sigs: SigParser,
    status: StatusCues,
    change: Regex,
    alternative: Regex,
}

impl Default for MedicationRules {
    fn default() -> Self {
        MedicationRules::new()
    }
}

/// The status cues of the clause of the drug read last, kept for the next
/// drug in the same clause ([`MedicationRules::read`]).
#[derive(Debug, Default)]
pub struct ClauseCache<'t> {
    clause: Range<usize>,
    cues: Option<ClauseCues<'t>>,
}

/// Where a medication mention stands.
#[derive(Debug, Clone)]
pub struct MedicationContext<'s> {
    /// The drug name's byte span.
    pub span: Range<usize>,
    /// The byte range of its clause: status cues are read inside it.
    pub clause: Range<usize>,
    /// Where its instructions must end at the latest (the sentence end or
    /// the next finding).
    pub limit: usize,
    /// Its section.
    pub section: Option<&'s str>,
    /// Whether the context engine negated it.
    pub negated: bool,
}

impl MedicationRules {
    /// Compile the rules.
    pub fn new() -> MedicationRules {
        MedicationRules {
            sigs: SigParser::new(),
            status: StatusCues::new(),
            change: Regex::new(
                r"(?i)^\s*(?:dose\s+)?(?:increased|reduced|decreased|changed|titrated|uptitrated|weaned|switched)(?:\s+from\s+\S+)?\s+to\b",
            )
            .expect("valid regex"),
            alternative: Regex::new(r"(?i)^\s*(?:/|\bor\b)\s*").expect("valid regex"),
        }
    }

    /// Read a drug's instructions and status. `cache` keeps the status cues
    /// of the drug's clause for the next drug in it: use one per note.
    pub fn read<'t>(
        &self,
        text: &'t str,
        chars: &mut CharCounter<'_>,
        at: &MedicationContext<'_>,
        cache: &mut ClauseCache<'t>,
    ) -> MedicationOut {
        let limit = at.limit.max(at.span.end);
        let mut from = at.span.end;
        // "1g QDS PO / PRN": two instructions; read the first up to the slash.
        let split = text[from..limit].find(" / ").map(|i| from + i);
        let first_limit = split.unwrap_or(limit);
        let after = &text[from..first_limit];
        let mut sig = self.sigs.parse(after);
        let mut change = None;
        if sig.is_empty() {
            if let Some(m) = self.change.find(after) {
                let change_start = from + (m.as_str().len() - m.as_str().trim_start().len());
                from += m.end();
                sig = self.sigs.parse(&text[from..first_limit]);
                let dose_end = sig.dose.as_ref().map_or(from, |d| from + d.span.end);
                change = Some(text[change_start..dose_end].trim_end().to_string());
            }
        }
        let mut first = dosage(text, chars, &sig, from);
        let mut sig_end = from + sig.span_end;
        let mut more = Vec::new();
        if let Some(next) = sig.then.take() {
            more.push(dosage(text, chars, &next, from));
            sig_end = sig_end.max(from + next.span_end);
        }
        // A second instruction: "1g QDS PO / PRN", "OD or BD".
        if let (Some(at_slash), false) = (split, sig.is_empty()) {
            sig_end = at_slash;
        }
        if !sig.is_empty() {
            if let Some(m) = self.alternative.find(&text[sig_end..limit]) {
                let start = sig_end + m.end();
                let second = self.sigs.parse(&text[start..limit]);
                if !second.is_empty() {
                    more.push(dosage(text, chars, &second, start));
                    sig_end = start + second.span_end;
                }
            }
        }
        if first.sig.is_none() && !more.is_empty() {
            first = more.remove(0);
        }

        // Status cues: in the clause before the name and after the sig,
        // found once per clause.
        let before_start = at.clause.start.min(at.span.start);
        let clause = before_start..at.clause.end.max(at.span.end);
        if cache.clause != clause {
            cache.cues = None;
        }
        let cues = cache
            .cues
            .get_or_insert_with(|| self.status.clause(&text[clause.clone()]));
        cache.clause = clause;
        let cue = self
            .status
            .detect_in(cues, at.span.start - before_start, sig_end - before_start);
        let mut out = MedicationOut {
            dosage: first,
            more,
            status: "unknown",
            ..MedicationOut::default()
        };
        if change.is_some() {
            out.status = "active";
            out.change = change;
        }
        match cue {
            Some(cue) => {
                let base = if cue.in_before { before_start } else { sig_end };
                let span = base + cue.cue_span.start..base + cue.cue_span.end;
                let cue_text = &text[span.clone()];
                let imperative = cue.started
                    && matches!(at.section, Some("plan" | "jobs"))
                    && ["start", "commence", "begin", "initiate", "restart"]
                        .iter()
                        .any(|w| cue_text.eq_ignore_ascii_case(w));
                out.status = if imperative {
                    "intended"
                } else {
                    cue.status.fhir_code()
                };
                out.started = cue.started && !imperative;
                out.change = cue.change.or(out.change.take());
                out.status_cue = Some(TextOut {
                    text: cue_text.to_string(),
                    start: chars.at(span.start),
                    end: chars.at(span.end),
                });
            }
            None if at.negated => out.status = "not-taken",
            None if matches!(at.section, Some("drug_history" | "discharge_medications")) => {
                out.status = "active"
            }
            None => {}
        }
        if at.negated && out.status == "active" {
            out.status = "not-taken";
        }
        out
    }

    /// Whether "DRUG OD" with no amount reads as an overdose: only in the
    /// presenting complaint, its history, an impression or diagnosis, or
    /// outside any section.
    pub fn is_overdose(
        &self,
        text: &str,
        span: &Range<usize>,
        limit: usize,
        section: Option<&str>,
    ) -> Option<usize> {
        let in_presentation = matches!(
            section,
            None | Some(
                "presenting_complaint" | "history_of_presenting_complaint" | "impression" | "diagnosis"
            )
        );
        if !in_presentation {
            return None;
        }
        let rest = &text[span.end..limit.max(span.end)];
        let trimmed = rest.trim_start();
        if !trimmed.starts_with("OD") {
            return None;
        }
        let od_end = span.end + (rest.len() - trimmed.len()) + 2;
        let sig = self.sigs.parse(rest);
        let word_break = !text[od_end..].starts_with(|c: char| c.is_alphanumeric());
        (word_break && !sig.has_amount()).then_some(od_end)
    }
}

fn amount(chars: &mut CharCounter<'_>, a: &Amount, span: Range<usize>) -> AmountOut {
    AmountOut {
        value: a.value,
        unit: a.unit.clone(),
        unit_text: a.unit_text.clone(),
        low: a.low,
        high: a.high,
        per: a.per.as_ref().map(|p| PerOut {
            value: p.value,
            unit: p.unit.clone(),
        }),
        start: chars.at(span.start),
        end: chars.at(span.end),
    }
}

/// Convert a sig read at byte `base` into the output form (code-point spans).
fn dosage(text: &str, chars: &mut CharCounter<'_>, sig: &Sig, base: usize) -> DosageOut {
    let abs = |r: &Range<usize>| base + r.start..base + r.end;
    let text_out = |span: Range<usize>, value: String, chars: &mut CharCounter<'_>| TextOut {
        text: value,
        start: chars.at(span.start),
        end: chars.at(span.end),
    };
    let first = [
        sig.strength.as_ref().map(|a| a.span.start),
        sig.dose.as_ref().map(|a| a.span.start),
        sig.route.as_ref().map(|a| a.span.start),
        sig.frequency.as_ref().map(|a| a.span.start),
        sig.max_per_period.as_ref().map(|a| a.span.start),
        sig.as_needed_span.as_ref().map(|s| s.start),
        sig.duration.as_ref().map(|a| a.span.start),
        sig.form.as_ref().map(|a| a.span.start),
        sig.rate.as_ref().map(|a| a.span.start),
        sig.indication.as_ref().map(|a| a.span.start),
    ]
    .into_iter()
    .flatten()
    .min();
    let whole = first
        .map(|s| base + s..base + sig.span_end)
        .filter(|r| r.start < r.end);
    DosageOut {
        sig: whole.map(|r| {
            let t = text[r.clone()].trim_end_matches([' ', ',', '.', ';']).to_string();
            let r = r.start..r.start + t.len();
            text_out(r, t, chars)
        }),
        strength: sig
            .strength
            .as_ref()
            .map(|a| amount(chars, &a.value, abs(&a.span))),
        dose: sig.dose.as_ref().map(|a| amount(chars, &a.value, abs(&a.span))),
        route: sig.route.as_ref().map(|a| {
            let r = abs(&a.span);
            RouteOut {
                code: a.value.code,
                text: a.value.text.clone(),
                start: chars.at(r.start),
                end: chars.at(r.end),
            }
        }),
        frequency: sig.frequency.as_ref().map(|a| {
            let r = abs(&a.span);
            let f = &a.value;
            FrequencyOut {
                per_day: f.per_day,
                frequency: f.frequency,
                period: f.period,
                period_max: f.period_max,
                period_unit: f.period_unit,
                when: f.when.clone(),
                code: f.code,
                stat: f.stat,
                text: f.text.clone(),
                start: chars.at(r.start),
                end: chars.at(r.end),
            }
        }),
        max_per_period: sig.max_per_period.as_ref().map(|a| {
            let r = abs(&a.span);
            MaxOut {
                value: a.value.value,
                unit: a.value.unit.clone(),
                period: a.value.period,
                period_unit: a.value.period_unit,
                start: chars.at(r.start),
                end: chars.at(r.end),
            }
        }),
        as_needed: sig.as_needed,
        as_needed_reason: sig
            .as_needed_reason
            .as_ref()
            .map(|a| text_out(abs(&a.span), a.value.clone(), chars)),
        duration: sig.duration.as_ref().map(|a| {
            let r = abs(&a.span);
            DurationOut {
                value: a.value.value,
                unit: a.value.unit,
                text: a.value.text.clone(),
                start: chars.at(r.start),
                end: chars.at(r.end),
            }
        }),
        form: sig
            .form
            .as_ref()
            .map(|a| text_out(abs(&a.span), a.value.name.to_string(), chars)),
        rate: sig.rate.as_ref().map(|a| amount(chars, &a.value, abs(&a.span))),
        indication: sig
            .indication
            .as_ref()
            .map(|a| text_out(abs(&a.span), a.value.clone(), chars)),
    }
}
