//! Table tests for the sig parser: name, input, expected values.

use super::*;

/// One expectation about a parsed sig.
#[derive(Debug, Clone, Copy)]
enum C {
    /// `&text[..span_end]`.
    End(&'static str),
    Dose(f64, &'static str),
    DoseRange(f64, f64, &'static str),
    DoseText(&'static str),
    NoDose,
    Strength(f64, &'static str),
    StrengthPer(f64, &'static str, f64, &'static str),
    NoStrength,
    /// Combination strength components.
    Components(&'static [(f64, &'static str)]),
    Route(&'static str),
    RouteAlt(&'static [&'static str]),
    NoRoute,
    /// frequency, period, period unit.
    Freq(u32, f64, &'static str),
    PeriodMax(f64),
    PerDay(f64),
    NoPerDay,
    Code(&'static str),
    NoCode,
    When(&'static [&'static str]),
    FreqText(&'static str),
    Stat,
    NoFreq,
    Prn,
    NotPrn,
    Reason(&'static str),
    /// value, unit, period, period unit.
    Max(f64, &'static str, f64, &'static str),
    Dur(Option<f64>, Option<&'static str>),
    DurText(&'static str),
    Form(&'static str),
    NoForm,
    Rate(f64, &'static str),
    Ind(&'static str),
    NoInd,
    Instr(&'static str),
    Modifier(&'static str),
    ThenDose(f64, &'static str),
    ThenFreq(u32, f64, &'static str),
    Empty,
}

fn check(sig: &Sig, text: &str, c: C) -> Result<(), String> {
    let fail = |what: &str| Err(format!("{c:?}: {what}"));
    let freq = sig.frequency.as_ref().map(|f| &f.value);
    let dose = sig.dose.as_ref().map(|d| &d.value);
    let strength = sig.strength.as_ref().map(|d| &d.value);
    match c {
        C::End(e) => {
            if &text[..sig.span_end] != e {
                return fail(&format!("ends {:?}", &text[..sig.span_end]));
            }
        }
        C::Dose(v, u) => match dose {
            Some(d) if d.value == v && d.unit == u && d.high.is_none() => {}
            _ => return fail(&format!("dose {dose:?}")),
        },
        C::DoseRange(lo, hi, u) => match dose {
            Some(d) if d.low == Some(lo) && d.high == Some(hi) && d.value == lo && d.unit == u => {}
            _ => return fail(&format!("dose {dose:?}")),
        },
        C::DoseText(t) => match &sig.dose {
            Some(d) if &text[d.span.clone()] == t => {}
            _ => return fail(&format!("dose {:?}", sig.dose)),
        },
        C::NoDose => {
            if dose.is_some() {
                return fail(&format!("dose {dose:?}"));
            }
        }
        C::Strength(v, u) => match strength {
            Some(s) if s.value == v && s.unit == u && s.per.is_none() => {}
            _ => return fail(&format!("strength {strength:?}")),
        },
        C::StrengthPer(v, u, pv, pu) => match strength {
            Some(s)
                if s.value == v
                    && s.unit == u
                    && s.per.as_ref().is_some_and(|p| p.value == pv && p.unit == pu) => {}
            _ => return fail(&format!("strength {strength:?}")),
        },
        C::NoStrength => {
            if strength.is_some() {
                return fail(&format!("strength {strength:?}"));
            }
        }
        C::Components(want) => {
            let got: Vec<(f64, &str)> = strength
                .map(|s| s.components.iter().map(|c| (c.value, c.unit.as_str())).collect())
                .unwrap_or_default();
            if got != want {
                return fail(&format!("strength {strength:?}"));
            }
        }
        C::Route(r) => match &sig.route {
            Some(a) if a.value.code == r => {}
            _ => return fail(&format!("route {:?}", sig.route)),
        },
        C::RouteAlt(alts) => match &sig.route {
            Some(a) if a.value.alternatives == alts => {}
            _ => return fail(&format!("route {:?}", sig.route)),
        },
        C::NoRoute => {
            if sig.route.is_some() {
                return fail(&format!("route {:?}", sig.route));
            }
        }
        C::Freq(n, p, u) => match freq {
            Some(f) if f.frequency == n && f.period == p && f.period_unit == u && !f.stat => {}
            _ => return fail(&format!("frequency {freq:?}")),
        },
        C::PeriodMax(p) => match freq {
            Some(f) if f.period_max == Some(p) => {}
            _ => return fail(&format!("frequency {freq:?}")),
        },
        C::PerDay(x) => match freq {
            Some(f) if f.per_day.is_some_and(|d| (d - x).abs() < 1e-9) => {}
            _ => return fail(&format!("frequency {freq:?}")),
        },
        C::NoPerDay => match freq {
            Some(f) if f.per_day.is_none() => {}
            _ => return fail(&format!("frequency {freq:?}")),
        },
        C::Code(code) => match freq {
            Some(f) if f.code == Some(code) => {}
            _ => return fail(&format!("frequency {freq:?}")),
        },
        C::NoCode => match freq {
            Some(f) if f.code.is_none() => {}
            _ => return fail(&format!("frequency {freq:?}")),
        },
        C::When(w) => match freq {
            Some(f) if f.when == w => {}
            _ => return fail(&format!("frequency {freq:?}")),
        },
        C::FreqText(t) => match &sig.frequency {
            Some(f) if f.value.text == t && &text[f.span.clone()] == t => {}
            _ => return fail(&format!("frequency {:?}", sig.frequency)),
        },
        C::Stat => match freq {
            Some(f) if f.stat && f.frequency == 1 && f.period == 0.0 && f.per_day.is_none() => {}
            _ => return fail(&format!("frequency {freq:?}")),
        },
        C::NoFreq => {
            if freq.is_some() {
                return fail(&format!("frequency {freq:?}"));
            }
        }
        C::Prn => {
            if !sig.as_needed || sig.as_needed_span.is_none() {
                return fail("not as needed");
            }
        }
        C::NotPrn => {
            if sig.as_needed {
                return fail("as needed");
            }
        }
        C::Reason(r) => match &sig.as_needed_reason {
            Some(a) if a.value == r && &text[a.span.clone()] == r && sig.as_needed => {}
            _ => return fail(&format!("reason {:?}", sig.as_needed_reason)),
        },
        C::Max(v, u, p, pu) => match &sig.max_per_period {
            Some(m)
                if m.value.value == v
                    && m.value.unit == u
                    && m.value.period == p
                    && m.value.period_unit == pu => {}
            _ => return fail(&format!("max {:?}", sig.max_per_period)),
        },
        C::Dur(v, u) => match &sig.duration {
            Some(d) if d.value.value == v && d.value.unit == u => {}
            _ => return fail(&format!("duration {:?}", sig.duration)),
        },
        C::DurText(t) => match &sig.duration {
            Some(d) if d.value.text == t => {}
            _ => return fail(&format!("duration {:?}", sig.duration)),
        },
        C::Form(n) => match &sig.form {
            Some(f) if f.value.name == n => {}
            _ => return fail(&format!("form {:?}", sig.form)),
        },
        C::NoForm => {
            if sig.form.is_some() {
                return fail(&format!("form {:?}", sig.form));
            }
        }
        C::Rate(v, u) => match &sig.rate {
            Some(r) if r.value.value == v && r.value.unit == u => {}
            _ => return fail(&format!("rate {:?}", sig.rate)),
        },
        C::Ind(i) => match &sig.indication {
            Some(a) if a.value == i && &text[a.span.clone()] == i => {}
            _ => return fail(&format!("indication {:?}", sig.indication)),
        },
        C::NoInd => {
            if sig.indication.is_some() {
                return fail(&format!("indication {:?}", sig.indication));
            }
        }
        C::Instr(i) => {
            if !sig.instructions.iter().any(|a| a.value == i) {
                return fail(&format!("instructions {:?}", sig.instructions));
            }
        }
        C::Modifier(m) => match &sig.form_modifier {
            Some(a) if a.value == m => {}
            _ => return fail(&format!("modifier {:?}", sig.form_modifier)),
        },
        C::ThenDose(v, u) => match sig.then.as_ref().and_then(|t| t.dose.as_ref()) {
            Some(d) if d.value.value == v && d.value.unit == u => {}
            _ => return fail(&format!("then {:?}", sig.then)),
        },
        C::ThenFreq(n, p, u) => match sig.then.as_ref().and_then(|t| t.frequency.as_ref()) {
            Some(f) if f.value.frequency == n && f.value.period == p && f.value.period_unit == u => {}
            _ => return fail(&format!("then {:?}", sig.then)),
        },
        C::Empty => {
            if !sig.is_empty() || sig.span_end != 0 {
                return fail(&format!("not empty: {sig:?}"));
            }
        }
    }
    Ok(())
}

/// Every span lies inside the sig, on character boundaries.
fn check_spans(sig: &Sig, text: &str) -> Result<(), String> {
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    spans.extend(sig.strength.iter().map(|a| a.span.clone()));
    spans.extend(sig.dose.iter().map(|a| a.span.clone()));
    spans.extend(sig.route.iter().map(|a| a.span.clone()));
    spans.extend(sig.frequency.iter().map(|a| a.span.clone()));
    spans.extend(sig.max_per_period.iter().map(|a| a.span.clone()));
    spans.extend(sig.as_needed_span.iter().cloned());
    spans.extend(sig.as_needed_reason.iter().map(|a| a.span.clone()));
    spans.extend(sig.duration.iter().map(|a| a.span.clone()));
    spans.extend(sig.form.iter().map(|a| a.span.clone()));
    spans.extend(sig.form_modifier.iter().map(|a| a.span.clone()));
    spans.extend(sig.rate.iter().map(|a| a.span.clone()));
    spans.extend(sig.indication.iter().map(|a| a.span.clone()));
    spans.extend(sig.instructions.iter().map(|a| a.span.clone()));
    for s in spans {
        if s.start >= s.end
            || s.end > sig.span_end
            || !text.is_char_boundary(s.start)
            || !text.is_char_boundary(s.end)
        {
            return Err(format!("bad span {s:?} (span_end {})", sig.span_end));
        }
    }
    if let Some(t) = &sig.then {
        check_spans(t, text)?;
    }
    Ok(())
}

fn run_table(table: &[(&str, &str, &[C])]) {
    let parser = SigParser::new();
    let mut failures = Vec::new();
    for (name, text, checks) in table {
        let sig = parser.parse(text);
        if let Err(e) = check_spans(&sig, text) {
            failures.push(format!("{name} ({text:?}): {e}"));
        }
        for c in checks.iter() {
            if let Err(e) = check(&sig, text, *c) {
                failures.push(format!("{name} ({text:?}): {e}"));
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

use C::*;

const MORN: &[&str] = &["MORN"];
const NIGHT: &[&str] = &["NIGHT"];

#[rustfmt::skip]
const SIGS: &[(&str, &str, &[C])] = &[
    // Amounts: spacing and case.
    ("mg attached", "5mg", &[Dose(5.0, "mg"), NoStrength, End("5mg"), NoFreq]),
    ("mg spaced", "5 mg", &[Dose(5.0, "mg"), End("5 mg")]),
    ("mg upper", "5MG", &[Dose(5.0, "mg"), End("5MG")]),
    ("mg mixed case OD", "5 Mg OD", &[Dose(5.0, "mg"), Freq(1, 1.0, "d"), Code("QD")]),
    ("g qds", "1g qds", &[Dose(1.0, "g"), Freq(4, 1.0, "d"), Code("QID"), PerDay(4.0)]),
    ("g QDS spaced", "1 g QDS", &[Dose(1.0, "g"), Code("QID"), FreqText("QDS")]),
    ("grams word", "1 gram IV TDS", &[Dose(1.0, "g"), Route("IV"), Code("TID")]),
    ("milligrams word", "250 milligrams BD", &[Dose(250.0, "mg"), Code("BID")]),
    ("mgs", "20mgs OD", &[Dose(20.0, "mg")]),
    ("decimal mg", "0.25mg OD", &[Dose(0.25, "mg")]),
    ("decimal MG weekly", "7.5 MG weekly", &[Dose(7.5, "mg"), Freq(1, 1.0, "wk"), NoPerDay]),
    ("ml", "500 ml IV STAT", &[Dose(500.0, "mL"), Route("IV"), Stat]),
    ("mls", "3 mls", &[Dose(3.0, "mL")]),
    ("millilitres", "2 millilitres", &[Dose(2.0, "mL")]),
    ("litre", "1 litre IV", &[Dose(1.0, "L"), Route("IV")]),
    ("L attached", "1L", &[Dose(1.0, "L")]),
    ("mmol", "20 mmol IV", &[Dose(20.0, "mmol"), Route("IV")]),
    ("thousands comma units", "5,000 units SC OD", &[Dose(5000.0, "[iU]"), Route("SC"), Code("QD")]),
    ("units SC BD", "5000 units SC BD", &[Dose(5000.0, "[iU]"), Route("SC"), Code("BID")]),
    ("iu lower", "10 iu", &[Dose(10.0, "[iU]")]),
    ("micrograms BD INH", "200 micrograms BD INH", &[Dose(200.0, "ug"), Code("BID"), Route("INH")]),
    ("micrograms OD", "125 micrograms OD", &[Dose(125.0, "ug")]),
    ("micro sign", "25µg OD", &[Dose(25.0, "ug")]),
    ("nanograms attached", "5ng", &[Dose(5.0, "ng")]),
    ("percent", "0.5% cream TOP BD", &[Strength(0.5, "%"), NoDose, Form("cream"), Route("TOP"), Code("BID")]),
    ("weight based", "1mg/kg OD", &[Dose(1.0, "mg/kg"), NoStrength, Code("QD")]),
    // Counts, strengths and ratios.
    ("tab nocte", "1 tab nocte", &[Dose(1.0, "{tablet}"), Form("tablet"), When(NIGHT), NoStrength]),
    ("sachet OD", "1 sachet OD", &[Dose(1.0, "{sachet}"), Form("sachet"), Code("QD")]),
    ("puffs BD INH", "2 puffs BD INH", &[Dose(2.0, "{puff}"), Code("BID"), Route("INH"), NoForm]),
    ("count x strength", "2 x 500mg tablets QDS", &[Dose(2.0, "{tablet}"), Strength(500.0, "mg"), Form("tablet"), Code("QID"), DoseText("2")]),
    ("count x strength attached", "2x500mg", &[Dose(2.0, "1"), Strength(500.0, "mg")]),
    ("tab then strength", "1 tab 500mg BD", &[Dose(1.0, "{tablet}"), Strength(500.0, "mg"), Code("BID")]),
    ("strength tablets comma count", "500mg tablets, 2 tablets QDS", &[Dose(2.0, "{tablet}"), Strength(500.0, "mg"), Form("tablet"), Code("QID")]),
    ("ratio then dose", "40mg/5ml 5ml ON", &[StrengthPer(40.0, "mg", 5.0, "mL"), Dose(5.0, "mL"), When(NIGHT), Freq(1, 1.0, "d")]),
    ("ratio per ml", "10mg/ml", &[StrengthPer(10.0, "mg", 1.0, "mL"), NoDose]),
    ("ratio in", "20mg in 1ml", &[StrengthPer(20.0, "mg", 1.0, "mL")]),
    ("dose of ratio", "5ml of 10mg/5ml", &[Dose(5.0, "mL"), StrengthPer(10.0, "mg", 5.0, "mL")]),
    ("ratio per dose", "100mcg/dose 2 puffs BD", &[StrengthPer(100.0, "ug", 1.0, "{dose}"), Dose(2.0, "{puff}")]),
    ("suspension ratio", "suspension 250mg/5ml 5ml TDS", &[Form("suspension"), StrengthPer(250.0, "mg", 5.0, "mL"), Dose(5.0, "mL"), Code("TID")]),
    ("oramorph style", "20mg/5ml 10ml QDS PRN", &[StrengthPer(20.0, "mg", 5.0, "mL"), Dose(10.0, "mL"), Prn]),
    ("combination strength", "30mg/500mg 2 tabs QDS", &[Dose(2.0, "{tablet}"), Strength(30.0, "mg"), Components(&[(30.0, "mg"), (500.0, "mg")]), Code("QID")]),
    ("combination alone", "8/500 2 tabs", &[Empty]),
    ("count x volume is not a strength", "2 x 5ml spoonfuls bd", &[Empty]),
    ("two masses", "500mg 1g QDS", &[Strength(500.0, "mg"), Dose(1.0, "g")]),
    ("bracketed strength", "1g (500mg) QDS", &[Dose(1.0, "g"), Strength(500.0, "mg"), Code("QID")]),
    ("bracketed dose", "(5mg) OD", &[Dose(5.0, "mg"), Code("QD")]),
    ("half tablet", "half a tablet OD", &[Dose(0.5, "{tablet}"), Form("tablet")]),
    ("bare count after dose stops", "2.5mg (half a 5mg tablet)", &[Dose(2.5, "mg"), NoStrength, End("2.5mg")]),
    ("one to be taken", "one to be taken twice a day", &[Dose(1.0, "1"), Code("BID"), End("one to be taken twice a day")]),
    ("digit to be taken", "1 to be taken daily", &[Dose(1.0, "1"), Code("QD"), DoseText("1")]),
    ("fraction tablet", "1/2 tablet daily", &[Dose(0.5, "{tablet}"), Code("QD")]),
    ("apply thinly", "apply thinly BD", &[Code("BID"), End("apply thinly BD")]),
    ("om lower", "20mg om", &[Dose(20.0, "mg"), When(MORN)]),
    ("two tablets at night", "two tablets at night", &[Dose(2.0, "{tablet}"), When(NIGHT)]),
    ("one capsule", "1 capsule three times a day", &[Dose(1.0, "{capsule}"), Code("TID"), Form("capsule")]),
    ("caps", "2 caps BD", &[Dose(2.0, "{capsule}")]),
    ("application", "1 application BD", &[Dose(1.0, "{application}")]),
    ("suppository", "1 suppository PR ON", &[Dose(1.0, "{suppository}"), Form("suppository"), Route("PR"), When(NIGHT)]),
    ("patch", "1 patch every 72 hours", &[Dose(1.0, "{patch}"), Form("patch"), Route("TD"), Freq(1, 72.0, "h"), PerDay(1.0 / 3.0)]),
    ("drop both eyes", "1 drop to both eyes QDS", &[Dose(1.0, "{drop}"), Route("OPH"), Code("QID")]),
    ("eye drops form", "eye drops 1 drop BD", &[Form("eye drops"), Route("OPH"), Dose(1.0, "{drop}")]),
    ("spray nostril", "2 sprays each nostril BD", &[Dose(2.0, "{spray}"), Route("NAS"), Form("spray")]),
    // Ranges.
    ("range tablets", "1-2 tablets QDS PRN for pain max 8 tablets/24h", &[DoseRange(1.0, 2.0, "{tablet}"), Code("QID"), Prn, Reason("pain"), Max(8.0, "{tablet}", 24.0, "h"), Form("tablet"), End("1-2 tablets QDS PRN for pain max 8 tablets/24h"), DoseText("1-2 tablets")]),
    ("range to puffs", "1 to 2 puffs PRN", &[DoseRange(1.0, 2.0, "{puff}"), Prn]),
    ("range or", "1 or 2 tablets", &[DoseRange(1.0, 2.0, "{tablet}")]),
    ("range words", "one to two puffs", &[DoseRange(1.0, 2.0, "{puff}")]),
    ("range mg", "2.5-5mg PRN", &[DoseRange(2.5, 5.0, "mg"), Prn]),
    ("range mixed units", "500mg-1g QDS", &[DoseRange(500.0, 1000.0, "mg"), Code("QID")]),
    ("range both units", "5mg-10mg OD", &[DoseRange(5.0, 10.0, "mg")]),
    // Frequencies.
    ("TWICE daily", "TWICE daily", &[Freq(2, 1.0, "d"), Code("BID"), PerDay(2.0), FreqText("TWICE daily")]),
    ("bd lower", "bd", &[Code("BID")]),
    ("Bd title", "Bd", &[Code("BID")]),
    ("b.d.", "b.d.", &[Code("BID"), End("b.d.")]),
    ("bid US", "bid", &[Code("BID")]),
    ("tds", "tds", &[Freq(3, 1.0, "d"), Code("TID")]),
    ("t.d.s.", "t.d.s.", &[Code("TID")]),
    ("tid", "TID", &[Code("TID")]),
    ("three times daily", "three times daily", &[Code("TID")]),
    ("thrice daily", "thrice daily", &[Code("TID")]),
    ("3 times a day", "3 times a day", &[Freq(3, 1.0, "d"), Code("TID")]),
    ("3x daily", "3x daily", &[Freq(3, 1.0, "d"), Code("TID")]),
    ("qds", "qds", &[Code("QID"), PerDay(4.0)]),
    ("q.d.s.", "q.d.s.", &[Code("QID")]),
    ("qid", "QID", &[Code("QID")]),
    ("four times daily", "four times daily", &[Code("QID")]),
    ("5 times a day", "5 times a day", &[Freq(5, 1.0, "d"), NoCode, PerDay(5.0)]),
    ("OD", "OD", &[Freq(1, 1.0, "d"), Code("QD"), PerDay(1.0)]),
    ("o.d.", "o.d.", &[Code("QD")]),
    ("once daily", "once daily", &[Code("QD")]),
    ("once a day", "once a day", &[Code("QD")]),
    ("daily", "daily", &[Code("QD")]),
    ("qd US", "1 tab po qd", &[Dose(1.0, "{tablet}"), Route("PO"), Code("QD")]),
    ("ON", "ON", &[When(NIGHT), Freq(1, 1.0, "d")]),
    ("nocte", "nocte", &[When(NIGHT)]),
    ("at night", "at night", &[When(NIGHT), FreqText("at night")]),
    ("mane", "mane", &[When(MORN), Code("AM")]),
    ("in the morning", "in the morning", &[When(MORN), Code("AM")]),
    ("every morning", "every morning", &[When(MORN)]),
    ("qam", "qam", &[When(MORN)]),
    ("midi", "midi", &[When(&["NOON"])]),
    ("at bedtime", "at bedtime", &[When(&["HS"]), Code("BED")]),
    ("qhs", "qhs", &[When(&["HS"]), Code("BED")]),
    ("OD mane", "OD mane", &[Freq(1, 1.0, "d"), When(MORN), Code("QD"), FreqText("OD mane")]),
    ("mane and nocte", "mane and nocte", &[Freq(2, 1.0, "d"), When(&["MORN", "NIGHT"]), Code("BID"), PerDay(2.0)]),
    ("BD mane and nocte", "BD mane and nocte", &[Freq(2, 1.0, "d"), When(&["MORN", "NIGHT"])]),
    ("q4h prn", "q4h prn", &[Freq(1, 4.0, "h"), PerDay(6.0), Code("Q4H"), Prn]),
    ("every 4 hours when required", "every 4 hours when required", &[Freq(1, 4.0, "h"), Code("Q4H"), Prn]),
    ("4-hourly", "4-hourly", &[Freq(1, 4.0, "h"), Code("Q4H")]),
    ("4 hrly", "4 hrly PRN", &[Freq(1, 4.0, "h"), Prn]),
    ("6 hrly", "6 hrly", &[Freq(1, 6.0, "h"), PerDay(4.0), Code("Q6H")]),
    ("q6h", "q6h", &[Code("Q6H")]),
    ("12 hourly", "12 hourly", &[Freq(1, 12.0, "h"), PerDay(2.0), NoCode]),
    ("every 4-6 hours", "every 4-6 hours PRN", &[Freq(1, 4.0, "h"), PeriodMax(6.0), PerDay(6.0), NoCode, Prn]),
    ("q4-6h", "q4-6h prn", &[Freq(1, 4.0, "h"), PeriodMax(6.0)]),
    ("4-6 hourly", "4-6 hourly", &[Freq(1, 4.0, "h"), PeriodMax(6.0)]),
    ("hourly", "hourly", &[Freq(1, 1.0, "h"), Code("Q1H"), PerDay(24.0)]),
    ("weekly", "weekly", &[Freq(1, 1.0, "wk"), NoPerDay, Code("WK")]),
    ("once a week", "once a week", &[Freq(1, 1.0, "wk"), NoPerDay]),
    ("twice weekly", "twice weekly", &[Freq(2, 1.0, "wk"), NoPerDay]),
    ("fortnightly", "fortnightly", &[Freq(1, 2.0, "wk"), NoPerDay]),
    ("every 2 weeks", "every 2 weeks", &[Freq(1, 2.0, "wk")]),
    ("monthly", "monthly", &[Freq(1, 1.0, "mo"), NoPerDay, Code("MO")]),
    ("every 3 months", "every 3 months", &[Freq(1, 3.0, "mo")]),
    ("alternate days", "alternate days", &[Freq(1, 2.0, "d"), PerDay(0.5), Code("QOD")]),
    ("on alternate days", "5mg on alternate days", &[Dose(5.0, "mg"), Code("QOD")]),
    ("every other day", "every other day", &[Freq(1, 2.0, "d"), Code("QOD")]),
    ("STAT", "STAT", &[Stat, NoCode]),
    ("stat lower", "1g IV stat", &[Dose(1.0, "g"), Route("IV"), Stat]),
    ("immediately", "immediately", &[Stat]),
    ("once only", "once only", &[Stat]),
    ("IM STAT", "IM STAT", &[Route("IM"), Stat]),
    ("with food merged", "TDS with food", &[Code("TID"), When(&["C"])]),
    ("with food first", "with food BD", &[Code("BID"), When(&["C"])]),
    ("with meals no frequency", "6 units with meals", &[Dose(6.0, "[iU]"), NoFreq, Instr("with meals")]),
    ("insulin TDS with meals", "8 units TDS with meals", &[Dose(8.0, "[iU]"), Code("TID"), When(&["C"])]),
    ("lower on is not ON", "10mg on", &[Dose(10.0, "mg"), NoFreq, End("10mg")]),
    // Routes.
    ("PO", "500mg TDS PO x5/7", &[Dose(500.0, "mg"), Code("TID"), Route("PO"), Dur(Some(5.0), Some("d"))]),
    ("by mouth", "by mouth", &[Route("PO")]),
    ("orally", "orally once daily", &[Route("PO"), Code("QD")]),
    ("oral", "oral", &[Route("PO")]),
    ("IV rate", "at 125ml/hr IV", &[Rate(125.0, "mL/h"), Route("IV"), NoDose]),
    ("intravenously", "intravenously", &[Route("IV")]),
    ("IM", "intramuscular", &[Route("IM")]),
    ("SC mane", "10 units SC mane", &[Dose(10.0, "[iU]"), Route("SC"), When(MORN), Code("AM")]),
    ("s/c", "s/c", &[Route("SC")]),
    ("subcut", "subcut", &[Route("SC")]),
    ("subcutaneous", "subcutaneous", &[Route("SC")]),
    ("SL", "sublingual PRN", &[Route("SL"), Prn]),
    ("PR", "PR", &[Route("PR")]),
    ("per rectum", "per rectum", &[Route("PR")]),
    ("PV", "PV", &[Route("PV")]),
    ("inhaled", "inhaled BD", &[Route("INH"), Code("BID")]),
    ("NEB", "2.5mg NEB QDS PRN", &[Dose(2.5, "mg"), Route("NEB"), Code("QID"), Prn]),
    ("nebulised", "nebulised QDS", &[Route("NEB")]),
    ("nebulized", "nebulized", &[Route("NEB")]),
    ("NG", "10mg NG OD", &[Dose(10.0, "mg"), Route("NG"), Code("QD")]),
    ("via NG tube", "via NG tube", &[Route("NG")]),
    ("via PEG", "5ml via PEG BD", &[Dose(5.0, "mL"), Route("PEG")]),
    ("TOP", "apply TOP BD", &[Route("TOP"), Code("BID")]),
    ("topically", "topically", &[Route("TOP")]),
    ("affected area", "cream to affected area BD", &[Form("cream"), Route("TOP")]),
    ("transdermal", "transdermal", &[Route("TD")]),
    ("both eyes", "to both eyes", &[Route("OPH")]),
    ("left eye", "1 drop into the left eye", &[Route("OPH")]),
    ("route alternatives", "1g IV/PO QDS", &[Route("IV"), RouteAlt(&["PO"]), Code("QID")]),
    ("route or", "1g PO or IV", &[Route("PO"), RouteAlt(&["IV"])]),
    // Forms.
    ("oral solution", "oral solution 5ml TDS", &[Form("oral solution"), Dose(5.0, "mL"), NoRoute]),
    ("nasal spray", "nasal spray 1 spray BD", &[Form("spray"), Dose(1.0, "{spray}")]),
    ("inhaler", "inhaler 2 puffs PRN", &[Form("inhaler"), Dose(2.0, "{puff}")]),
    ("ointment", "ointment BD", &[Form("ointment")]),
    ("gel", "gel TDS", &[Form("gel")]),
    ("injection", "injection 40mg SC OD", &[Form("injection"), Dose(40.0, "mg"), Route("SC")]),
    ("suppository form", "suppository PR STAT", &[Form("suppository"), Route("PR"), Stat]),
    ("nebules", "nebules 2.5mg QDS", &[Form("nebules"), Dose(2.5, "mg")]),
    ("liquid", "liquid 10ml ON", &[Form("liquid"), Dose(10.0, "mL")]),
    ("modifier", "MR 60mg OD", &[Modifier("MR"), Dose(60.0, "mg")]),
    // As needed, reasons, indications.
    ("PRN alone", "PRN", &[Prn, NoFreq, NoRoute, NoDose]),
    ("as required", "as required", &[Prn]),
    ("when required for", "when required for SOB", &[Prn, Reason("SOB"), NoInd]),
    ("prn reason slash", "prn for nausea/vomiting", &[Prn, Reason("nausea/vomiting")]),
    ("reason before PRN", "for pain PRN", &[Prn, Reason("pain"), NoInd]),
    ("US as needed", "Take one tablet by mouth every 6 hours as needed for pain", &[Dose(1.0, "{tablet}"), Route("PO"), Freq(1, 6.0, "h"), Prn, Reason("pain")]),
    ("indication", "5mg OD for AF", &[Dose(5.0, "mg"), Ind("AF"), NotPrn, End("5mg OD for AF")]),
    ("indication words", "10mg ON for constipation", &[Ind("constipation")]),
    ("indication two words", "2.5mg OD for rate control, review", &[Ind("rate control"), End("2.5mg OD for rate control")]),
    // Max per period.
    ("max doses", "max 4 doses in 24 hours", &[Max(4.0, "{dose}", 24.0, "h")]),
    ("maximum g", "maximum 4g in 24 hours", &[Max(4.0, "g", 24.0, "h")]),
    ("max slash", "1g QDS PRN for fever max 4g/24h", &[Reason("fever"), Max(4.0, "g", 24.0, "h")]),
    ("max no unit", "1g PRN max 4/24h", &[Max(4.0, "{dose}", 24.0, "h")]),
    ("max per day", "max 8 tabs per day", &[Max(8.0, "{tablet}", 1.0, "d")]),
    ("max QDS", "1g PRN max QDS", &[Max(4.0, "{dose}", 1.0, "d"), NoFreq]),
    // Duration.
    ("for 5 days", "for 5 days", &[Dur(Some(5.0), Some("d")), DurText("for 5 days")]),
    ("for 7 days", "2 tabs PO BID x 7 days", &[Dur(Some(7.0), Some("d")), Code("BID")]),
    ("x7d", "x7d", &[Dur(Some(7.0), Some("d"))]),
    ("for a week", "for a week", &[Dur(Some(1.0), Some("wk"))]),
    ("for two weeks", "for two weeks", &[Dur(Some(2.0), Some("wk"))]),
    ("for 3 months", "for 3 months", &[Dur(Some(3.0), Some("mo"))]),
    ("for 48 hours", "for 48 hours", &[Dur(Some(48.0), Some("h"))]),
    ("x 5/7", "x 5/7", &[Dur(Some(5.0), Some("d"))]),
    ("2/52", "2/52", &[Dur(Some(2.0), Some("wk"))]),
    ("3/12", "3/12", &[Dur(Some(3.0), Some("mo"))]),
    ("then stop", "for 1 week then stop", &[Dur(Some(1.0), Some("wk")), DurText("for 1 week then stop")]),
    ("until review", "until review", &[Dur(None, None), DurText("until review")]),
    ("until seen", "until seen in clinic", &[Dur(None, None), End("until seen")]),
    ("ongoing", "ongoing", &[Dur(None, None)]),
    ("long term", "long term", &[Dur(None, None)]),
    // Rates.
    ("rate ml/h", "83 ml/h", &[Rate(83.0, "mL/h")]),
    ("rate units/hr", "2 units/hr", &[Rate(2.0, "[iU]/h")]),
    ("rate per 24h", "10mg/24h SC", &[Rate(10.0, "mg/d"), Route("SC")]),
    ("rate per kg min", "5mcg/kg/min", &[Rate(5.0, "ug/kg/min")]),
    // Stopping and phases.
    ("stops at next drug", "5mg OD, ramipril 10mg", &[End("5mg OD")]),
    ("stops at and drug", "40mg OD and simvastatin", &[End("40mg OD")]),
    ("stops at sentence end", "5mg OD. BP stable", &[End("5mg OD")]),
    ("stops at newline", "5mg OD\namlodipine 10mg", &[End("5mg OD")]),
    ("then review", "1g QDS, then review", &[End("1g QDS")]),
    ("second frequency stops", "OD BD", &[Code("QD"), End("OD")]),
    ("second route stops", "5mg OD PO IV", &[Route("PO"), End("5mg OD PO")]),
    ("leading dash", "- 5mg OD", &[Dose(5.0, "mg"), End("- 5mg OD")]),
    ("leading colon", ": 5mg OD", &[Dose(5.0, "mg")]),
    ("over stops", "1L over 8 hours", &[Dose(1.0, "L"), End("1L")]),
    ("stat then", "300mg STAT then 75mg OD", &[Dose(300.0, "mg"), Stat, ThenDose(75.0, "mg"), ThenFreq(1, 1.0, "d"), End("300mg STAT then 75mg OD")]),
    ("stat then frequency", "STAT then BD", &[Stat, ThenFreq(2, 1.0, "d")]),
    ("course then course", "500mg BD for 3 days then 250mg BD for 3 days", &[Dose(500.0, "mg"), Dur(Some(3.0), Some("d")), ThenDose(250.0, "mg")]),
    ("new dose after frequency stops", "8mg mane 4mg midi", &[Dose(8.0, "mg"), When(MORN), End("8mg mane")]),
    ("instruction", "as directed", &[Instr("as directed")]),
    ("instruction INR", "as per INR", &[Instr("as per INR")]),
    ("US full", "Take 1 tablet by mouth twice daily", &[Dose(1.0, "{tablet}"), Route("PO"), Code("BID")]),
    ("nothing", "ramipril 5mg", &[Empty]),
];

#[test]
fn sig_table() {
    assert!(SIGS.len() >= 150, "{} rows", SIGS.len());
    run_table(SIGS);
}

#[test]
fn micrograms_are_never_milligrams() {
    run_table(&[
        ("micrograms", "62.5 micrograms OD", &[Dose(62.5, "ug")]),
        ("mcg attached", "62.5mcg OD", &[Dose(62.5, "ug")]),
        ("mcg spaced", "62.5 mcg", &[Dose(62.5, "ug")]),
        ("MCG upper", "62.5MCG", &[Dose(62.5, "ug")]),
        ("micro sign", "62.5µg", &[Dose(62.5, "ug")]),
        ("greek mu", "62.5μg", &[Dose(62.5, "ug")]),
        ("ug", "62.5 ug", &[Dose(62.5, "ug")]),
        ("microgram singular", "1 microgram", &[Dose(1.0, "ug")]),
    ]);
}

#[test]
fn leading_dot_is_a_fraction() {
    run_table(&[
        ("leading dot", ".5mg", &[Dose(0.5, "mg"), End(".5mg")]),
        ("leading dot spaced", ".5 mg OD", &[Dose(0.5, "mg"), Code("QD")]),
        ("leading zero", "0.5mg", &[Dose(0.5, "mg")]),
    ]);
}

#[test]
fn units_are_international_units() {
    run_table(&[
        ("units spaced", "10 units", &[Dose(10.0, "[iU]")]),
        ("U spaced", "10 U", &[Dose(10.0, "[iU]")]),
        ("units attached", "10units", &[Dose(10.0, "[iU]")]),
        ("U attached", "10U SC", &[Dose(10.0, "[iU]"), Route("SC")]),
        ("IU", "10 IU", &[Dose(10.0, "[iU]")]),
        ("unit singular", "1 unit", &[Dose(1.0, "[iU]")]),
    ]);
}

#[test]
fn weekly_is_never_daily() {
    let weekly: &[C] = &[Dose(15.0, "mg"), Freq(1, 1.0, "wk"), NoPerDay, Code("WK")];
    run_table(&[
        (
            "once weekly",
            "15mg once weekly PO",
            &[Dose(15.0, "mg"), Freq(1, 1.0, "wk"), NoPerDay, Route("PO")],
        ),
        ("methotrexate", "15mg once weekly", weekly),
        ("weekly", "15mg weekly", weekly),
        ("Weekly", "15mg Weekly", weekly),
        ("once a week", "15mg once a week", weekly),
        ("every week", "15mg every week", weekly),
        ("once-weekly", "15mg once-weekly", weekly),
    ]);
}

#[test]
fn od_without_amount_is_still_once_daily() {
    let parser = SigParser::new();
    let sig = parser.parse("OD");
    assert_eq!(sig.frequency.as_ref().map(|f| f.value.code), Some(Some("QD")));
    assert!(
        !sig.has_amount(),
        "the caller decides whether a bare OD is an overdose"
    );
    assert!(parser.parse("1g OD").has_amount());
    assert!(parser.parse("at 125ml/hr").has_amount());
}

#[test]
fn number_without_unit_is_not_a_dose() {
    run_table(&[
        ("bare number", "5 OD", &[Empty]),
        ("spaced NG is a route, not nanograms", "5 NG", &[Empty]),
        ("NG after dose", "5mg NG", &[Dose(5.0, "mg"), Route("NG")]),
    ]);
}

#[test]
fn routes_map_to_snomed() {
    let table = [
        ("PO", Some("26643006")),
        ("IV", Some("47625008")),
        ("SC", Some("34206005")),
        ("IM", Some("78421000")),
        ("PR", Some("37161004")),
        ("TOP", Some("6064005")),
        ("INH", None),
        ("NEB", None),
        ("OPH", None),
    ];
    for (code, want) in table {
        assert_eq!(route_snomed(code).map(|s| s.code), want, "{code}");
    }
    let sig = SigParser::new().parse("by mouth");
    let route = sig.route.map(|r| r.value);
    assert_eq!(
        route.and_then(|r| r.snomed()).map(|s| s.display),
        Some("Oral route")
    );
}

#[test]
fn ratio_ucum_string() {
    let sig = SigParser::new().parse("40mg/5ml 5ml");
    let strength = sig.strength.map(|s| s.value);
    assert_eq!(strength.map(|s| s.ucum()), Some("mg/(5.mL)".to_string()));
    let sig = SigParser::new().parse("10mg/ml");
    assert_eq!(sig.strength.map(|s| s.value.ucum()), Some("mg/mL".to_string()));
}

#[test]
fn spans_point_at_the_words() {
    let text = "1 tab 500mg PO BD PRN for pain";
    let sig = SigParser::new().parse(text);
    let at = |r: &std::ops::Range<usize>| &text[r.clone()];
    assert_eq!(sig.dose.as_ref().map(|a| at(&a.span)), Some("1 tab"));
    assert_eq!(sig.strength.as_ref().map(|a| at(&a.span)), Some("500mg"));
    assert_eq!(sig.route.as_ref().map(|a| at(&a.span)), Some("PO"));
    assert_eq!(sig.frequency.as_ref().map(|a| at(&a.span)), Some("BD"));
    assert_eq!(sig.as_needed_span.as_ref().map(at), Some("PRN"));
    assert_eq!(sig.as_needed_reason.as_ref().map(|a| at(&a.span)), Some("pain"));
    assert_eq!(sig.form.as_ref().map(|a| at(&a.span)), Some("tab"));
    assert_eq!(sig.span_end, text.len());
}

#[test]
fn parse_from_keeps_offsets() {
    let text = "Ramipril 5mg OD";
    let sig = SigParser::new().parse_from(text, 8);
    assert_eq!(sig.dose.map(|d| d.span), Some(9..12));
    assert_eq!(sig.span_end, text.len());
    // Not a character boundary: nothing, no panic.
    let sig = SigParser::new().parse_from("µg", 1);
    assert!(sig.is_empty());
}

#[test]
fn odd_input_does_not_panic() {
    let parser = SigParser::new();
    for text in [
        "",
        " ",
        "½",
        "1½ tablets",
        "µ",
        "5/",
        "x",
        "max",
        "for",
        "then",
        "((((",
        "1,",
        ".",
        "-1mg",
        "q0h",
        "every 0 hours",
        "0 times a day",
    ] {
        let sig = parser.parse(text);
        assert!(sig.span_end <= text.len(), "{text:?}");
    }
    assert_eq!(parser.parse("1½ tablets").dose.map(|d| d.value.value), Some(1.5));
}

#[test]
fn parsers_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SigParser>();
    assert_send_sync::<StatusCues>();
}
