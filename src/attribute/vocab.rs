//! The sig vocabulary as data: units, frequencies, routes, forms and the
//! small phrase lists the parser recognises.
//!
//! Every table here is read once, by [`SigParser::new`](super::SigParser::new),
//! which compiles it into anchored regexes and lookup maps. Phrases are
//! written lower case with single spaces; the compiled pattern accepts any
//! case (except where a table says otherwise), runs of spaces, and a hyphen
//! wherever a phrase has a space. A phrase ending in `.` also matches without
//! its final dot.

/// What a unit measures; units of one dimension can be converted (mass to
/// mass) when a range is written with two units ("500mg-1g").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dim {
    Mass,
    Volume,
    /// International units.
    Intl,
    Substance,
    Percent,
    /// A countable dose form ("tablet", "puff").
    Count,
}

/// A unit as written, and its UCUM code.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UnitDef {
    pub text: &'static str,
    pub ucum: &'static str,
    pub dim: Dim,
    /// Size relative to the dimension's base (mg, mL); 1 for the others.
    pub factor: f64,
    /// For a countable unit, the dose form it names, if it names one.
    pub form: Option<&'static str>,
}

const fn unit(text: &'static str, ucum: &'static str, dim: Dim, factor: f64) -> UnitDef {
    UnitDef {
        text,
        ucum,
        dim,
        factor,
        form: None,
    }
}

const fn count(text: &'static str, ucum: &'static str, form: Option<&'static str>) -> UnitDef {
    UnitDef {
        text,
        ucum,
        dim: Dim::Count,
        factor: 1.0,
        form,
    }
}

/// Units matched case-insensitively after a number. `mcg`, `µg` and
/// `micrograms` are `ug`, never `mg`; `U`, `IU` and `units` are `[iU]`.
pub(crate) const UNITS: &[UnitDef] = &[
    unit("micrograms", "ug", Dim::Mass, 0.001),
    unit("microgram", "ug", Dim::Mass, 0.001),
    unit("mcgs", "ug", Dim::Mass, 0.001),
    unit("mcg", "ug", Dim::Mass, 0.001),
    unit("µg", "ug", Dim::Mass, 0.001),
    unit("μg", "ug", Dim::Mass, 0.001),
    unit("ug", "ug", Dim::Mass, 0.001),
    unit("nanograms", "ng", Dim::Mass, 0.000_001),
    unit("nanogram", "ng", Dim::Mass, 0.000_001),
    unit("milligrams", "mg", Dim::Mass, 1.0),
    unit("milligram", "mg", Dim::Mass, 1.0),
    unit("mgs", "mg", Dim::Mass, 1.0),
    unit("mg", "mg", Dim::Mass, 1.0),
    unit("grams", "g", Dim::Mass, 1000.0),
    unit("gram", "g", Dim::Mass, 1000.0),
    unit("gms", "g", Dim::Mass, 1000.0),
    unit("gm", "g", Dim::Mass, 1000.0),
    unit("g", "g", Dim::Mass, 1000.0),
    unit("millilitres", "mL", Dim::Volume, 1.0),
    unit("milliliters", "mL", Dim::Volume, 1.0),
    unit("millilitre", "mL", Dim::Volume, 1.0),
    unit("milliliter", "mL", Dim::Volume, 1.0),
    unit("mls", "mL", Dim::Volume, 1.0),
    unit("ml", "mL", Dim::Volume, 1.0),
    unit("litres", "L", Dim::Volume, 1000.0),
    unit("liters", "L", Dim::Volume, 1000.0),
    unit("litre", "L", Dim::Volume, 1000.0),
    unit("liter", "L", Dim::Volume, 1000.0),
    unit("l", "L", Dim::Volume, 1000.0),
    unit("millimoles", "mmol", Dim::Substance, 1.0),
    unit("millimole", "mmol", Dim::Substance, 1.0),
    unit("mmols", "mmol", Dim::Substance, 1.0),
    unit("mmol", "mmol", Dim::Substance, 1.0),
    unit("international units", "[iU]", Dim::Intl, 1.0),
    unit("units", "[iU]", Dim::Intl, 1.0),
    unit("unit", "[iU]", Dim::Intl, 1.0),
    unit("iu", "[iU]", Dim::Intl, 1.0),
    unit("u", "[iU]", Dim::Intl, 1.0),
    unit("%", "%", Dim::Percent, 1.0),
    count("tablets", "{tablet}", Some("tablet")),
    count("tablet", "{tablet}", Some("tablet")),
    count("tabs", "{tablet}", Some("tablet")),
    count("tab", "{tablet}", Some("tablet")),
    count("capsules", "{capsule}", Some("capsule")),
    count("capsule", "{capsule}", Some("capsule")),
    count("caps", "{capsule}", Some("capsule")),
    count("cap", "{capsule}", Some("capsule")),
    count("puffs", "{puff}", None),
    count("puff", "{puff}", None),
    count("drops", "{drop}", None),
    count("drop", "{drop}", None),
    count("sachets", "{sachet}", Some("sachet")),
    count("sachet", "{sachet}", Some("sachet")),
    count("patches", "{patch}", Some("patch")),
    count("patch", "{patch}", Some("patch")),
    count("sprays", "{spray}", Some("spray")),
    count("spray", "{spray}", Some("spray")),
    count("applications", "{application}", None),
    count("application", "{application}", None),
    count("nebules", "{nebule}", Some("nebules")),
    count("nebule", "{nebule}", Some("nebules")),
    count("suppositories", "{suppository}", Some("suppository")),
    count("suppository", "{suppository}", Some("suppository")),
    count("pessaries", "{pessary}", Some("pessary")),
    count("pessary", "{pessary}", Some("pessary")),
    count("actuations", "{actuation}", None),
    count("actuation", "{actuation}", None),
];

/// Nanograms written `ng`: matched only in lower case and only when joined
/// to the number ("5ng"), because "5 NG" is far more likely a nasogastric
/// route after a dose whose unit was left out.
pub(crate) const NANOGRAM_ABBREVIATION: UnitDef = unit("ng", "ng", Dim::Mass, 0.000_001);

/// Denominators of a strength ratio ("40mg/5ml", "10mg in 1ml",
/// "100mcg/dose") or a weight-based dose ("1mg/kg").
pub(crate) const DENOMINATORS: &[(&str, &str)] = &[
    ("millilitres", "mL"),
    ("milliliters", "mL"),
    ("millilitre", "mL"),
    ("milliliter", "mL"),
    ("mls", "mL"),
    ("ml", "mL"),
    ("litres", "L"),
    ("litre", "L"),
    ("l", "L"),
    ("kg", "kg"),
    ("doses", "{dose}"),
    ("dose", "{dose}"),
    ("actuations", "{actuation}"),
    ("actuation", "{actuation}"),
    ("puffs", "{puff}"),
    ("puff", "{puff}"),
    ("sprays", "{spray}"),
    ("spray", "{spray}"),
    ("tablets", "{tablet}"),
    ("tablet", "{tablet}"),
    ("tab", "{tablet}"),
    ("capsules", "{capsule}"),
    ("capsule", "{capsule}"),
    ("cap", "{capsule}"),
];

/// Number words used for counts ("one to be taken", "two puffs").
pub(crate) const NUMBER_WORDS: &[(&str, f64)] = &[
    ("one and a half", 1.5),
    ("half an", 0.5),
    ("half a", 0.5),
    ("half", 0.5),
    ("1/2", 0.5),
    ("1/4", 0.25),
    ("3/4", 0.75),
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
];

/// A frequency phrase: `frequency` times per `period` `unit`, at the FHIR
/// event times in `when`, with its v3 GTSAbbreviation code when there is one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FreqDef {
    pub frequency: u32,
    pub period: f64,
    pub period_max: Option<f64>,
    pub unit: &'static str,
    pub when: &'static [&'static str],
    pub code: Option<&'static str>,
    pub stat: bool,
    /// Only a time of day or meal relation ("with food"): no count of its own.
    pub when_only: bool,
}

const fn freq(
    frequency: u32,
    period: f64,
    unit: &'static str,
    when: &'static [&'static str],
    code: Option<&'static str>,
) -> FreqDef {
    FreqDef {
        frequency,
        period,
        period_max: None,
        unit,
        when,
        code,
        stat: false,
        when_only: false,
    }
}

const fn when_only(when: &'static [&'static str]) -> FreqDef {
    FreqDef {
        frequency: 0,
        period: 0.0,
        period_max: None,
        unit: "d",
        when,
        code: None,
        stat: false,
        when_only: true,
    }
}

const DAILY: FreqDef = freq(1, 1.0, "d", &[], Some("QD"));
const MORNING: FreqDef = freq(1, 1.0, "d", &["MORN"], Some("AM"));
const NOON: FreqDef = freq(1, 1.0, "d", &["NOON"], None);
const EVENING: FreqDef = freq(1, 1.0, "d", &["EVE"], None);
const NIGHT: FreqDef = freq(1, 1.0, "d", &["NIGHT"], None);
const BEDTIME: FreqDef = freq(1, 1.0, "d", &["HS"], Some("BED"));
const BID: FreqDef = freq(2, 1.0, "d", &[], Some("BID"));
const TID: FreqDef = freq(3, 1.0, "d", &[], Some("TID"));
const QID: FreqDef = freq(4, 1.0, "d", &[], Some("QID"));
const QOD: FreqDef = freq(1, 2.0, "d", &[], Some("QOD"));
const WEEKLY: FreqDef = freq(1, 1.0, "wk", &[], Some("WK"));
const FORTNIGHTLY: FreqDef = freq(1, 2.0, "wk", &[], None);
const MONTHLY: FreqDef = freq(1, 1.0, "mo", &[], Some("MO"));
const HOURLY: FreqDef = freq(1, 1.0, "h", &[], Some("Q1H"));
/// STAT: one dose, now. `period` 0 means "no repeat".
pub(crate) const STAT: FreqDef = FreqDef {
    frequency: 1,
    period: 0.0,
    period_max: None,
    unit: "d",
    when: &[],
    code: None,
    stat: true,
    when_only: false,
};

/// Frequency phrases matched in any case.
pub(crate) const FREQUENCIES: &[(&str, FreqDef)] = &[
    ("od", DAILY),
    ("o.d.", DAILY),
    ("once daily", DAILY),
    ("once a day", DAILY),
    ("once per day", DAILY),
    ("once each day", DAILY),
    ("daily", DAILY),
    ("every day", DAILY),
    ("each day", DAILY),
    ("qd", DAILY),
    ("q.d.", DAILY),
    ("mane", MORNING),
    ("om", MORNING),
    ("o.m.", MORNING),
    ("in the morning", MORNING),
    ("in the mornings", MORNING),
    ("every morning", MORNING),
    ("each morning", MORNING),
    ("qam", MORNING),
    ("q.a.m.", MORNING),
    ("midi", NOON),
    ("at midday", NOON),
    ("midday", NOON),
    ("at lunchtime", NOON),
    ("at lunch time", NOON),
    ("lunchtime", NOON),
    ("at noon", NOON),
    ("in the evening", EVENING),
    ("every evening", EVENING),
    ("each evening", EVENING),
    ("qpm", EVENING),
    ("at teatime", EVENING),
    ("at tea time", EVENING),
    ("teatime", EVENING),
    ("nocte", NIGHT),
    ("o.n.", NIGHT),
    ("at night", NIGHT),
    ("at night time", NIGHT),
    ("every night", NIGHT),
    ("each night", NIGHT),
    ("nightly", NIGHT),
    ("at bedtime", BEDTIME),
    ("at bed time", BEDTIME),
    ("before bed", BEDTIME),
    ("qhs", BEDTIME),
    ("q.h.s.", BEDTIME),
    ("bd", BID),
    ("b.d.", BID),
    ("bid", BID),
    ("b.i.d.", BID),
    ("twice daily", BID),
    ("twice a day", BID),
    ("twice per day", BID),
    ("tds", TID),
    ("t.d.s.", TID),
    ("tid", TID),
    ("t.i.d.", TID),
    ("three times daily", TID),
    ("three times a day", TID),
    ("qds", QID),
    ("q.d.s.", QID),
    ("qid", QID),
    ("q.i.d.", QID),
    ("four times daily", QID),
    ("four times a day", QID),
    ("alternate days", QOD),
    ("on alternate days", QOD),
    ("alternate day", QOD),
    ("alt days", QOD),
    ("every other day", QOD),
    ("every second day", QOD),
    ("eod", QOD),
    ("qod", QOD),
    ("q.o.d.", QOD),
    ("weekly", WEEKLY),
    ("once weekly", WEEKLY),
    ("once a week", WEEKLY),
    ("once per week", WEEKLY),
    ("every week", WEEKLY),
    ("each week", WEEKLY),
    ("qw", WEEKLY),
    ("qwk", WEEKLY),
    ("fortnightly", FORTNIGHTLY),
    ("every other week", FORTNIGHTLY),
    ("monthly", MONTHLY),
    ("once monthly", MONTHLY),
    ("once a month", MONTHLY),
    ("every month", MONTHLY),
    ("hourly", HOURLY),
    ("every hour", HOURLY),
    ("stat", STAT),
    ("stat dose", STAT),
    ("immediately", STAT),
    ("once only", STAT),
    ("single dose", STAT),
    ("with food", when_only(&["C"])),
    ("with meals", when_only(&["C"])),
    ("with meal", when_only(&["C"])),
    ("after food", when_only(&["PC"])),
    ("after meals", when_only(&["PC"])),
    ("before food", when_only(&["AC"])),
    ("before meals", when_only(&["AC"])),
    ("with breakfast", when_only(&["CM"])),
    ("before breakfast", when_only(&["ACM"])),
    ("with evening meal", when_only(&["CV"])),
];

/// Frequency abbreviations matched only as written: `ON` (omni nocte) is an
/// ordinary word in lower case.
pub(crate) const FREQUENCIES_CASED: &[(&str, FreqDef)] = &[("ON", NIGHT)];

/// "as needed" phrases.
pub(crate) const AS_NEEDED: &[&str] = &[
    "prn",
    "p.r.n.",
    "as required",
    "as needed",
    "when required",
    "when needed",
    "if required",
    "if needed",
    "as necessary",
    "when necessary",
    "if necessary",
    "as req",
    "as reqd",
    "when req",
];

/// Route phrases and their ward codes. "patch" and "eye drops" are forms;
/// the parser infers `TD` and `OPH` from them when no route is written.
pub(crate) const ROUTES: &[(&str, &str)] = &[
    ("po", "PO"),
    ("p.o.", "PO"),
    ("oral", "PO"),
    ("orally", "PO"),
    ("by mouth", "PO"),
    ("per os", "PO"),
    ("iv", "IV"),
    ("i.v.", "IV"),
    ("ivi", "IV"),
    ("intravenous", "IV"),
    ("intravenously", "IV"),
    ("im", "IM"),
    ("i.m.", "IM"),
    ("intramuscular", "IM"),
    ("intramuscularly", "IM"),
    ("sc", "SC"),
    ("s/c", "SC"),
    ("s.c.", "SC"),
    ("subcut", "SC"),
    ("subcut.", "SC"),
    ("sub cut", "SC"),
    ("subcutaneous", "SC"),
    ("subcutaneously", "SC"),
    ("subq", "SC"),
    ("sq", "SC"),
    ("sl", "SL"),
    ("s/l", "SL"),
    ("sublingual", "SL"),
    ("sublingually", "SL"),
    ("under the tongue", "SL"),
    ("pr", "PR"),
    ("p.r.", "PR"),
    ("per rectum", "PR"),
    ("rectal", "PR"),
    ("rectally", "PR"),
    ("pv", "PV"),
    ("p.v.", "PV"),
    ("per vagina", "PV"),
    ("per vaginam", "PV"),
    ("vaginal", "PV"),
    ("vaginally", "PV"),
    ("inh", "INH"),
    ("inhaled", "INH"),
    ("inhalation", "INH"),
    ("neb", "NEB"),
    ("nebs", "NEB"),
    ("nebulised", "NEB"),
    ("nebulized", "NEB"),
    ("nebuliser", "NEB"),
    ("nebulizer", "NEB"),
    ("ng", "NG"),
    ("ngt", "NG"),
    ("ng tube", "NG"),
    ("nasogastric", "NG"),
    ("nasogastric tube", "NG"),
    ("peg", "PEG"),
    ("peg tube", "PEG"),
    ("top", "TOP"),
    ("topical", "TOP"),
    ("topically", "TOP"),
    ("to affected area", "TOP"),
    ("to affected areas", "TOP"),
    ("to the affected area", "TOP"),
    ("to the affected areas", "TOP"),
    ("to the skin", "TOP"),
    ("td", "TD"),
    ("transdermal", "TD"),
    ("transdermally", "TD"),
    ("oph", "OPH"),
    ("ophthalmic", "OPH"),
    ("nasal", "NAS"),
    ("intranasal", "NAS"),
    ("intranasally", "NAS"),
    ("nasally", "NAS"),
    ("buccal", "BUC"),
    ("buccally", "BUC"),
];

/// Eye phrases ("to both eyes", "into the left eye") are generated from
/// these parts: an optional preposition, an optional "the", a side, "eye(s)".
pub(crate) const EYE_PREPOSITIONS: &[&str] = &["", "to ", "into ", "in "];
/// See [`EYE_PREPOSITIONS`].
pub(crate) const EYE_SIDES: &[&str] = &["both", "each", "left", "right", "affected"];
/// Nostril phrases ("into each nostril") are generated the same way.
pub(crate) const NOSTRIL_SIDES: &[&str] = &["each", "both", "left", "right"];

/// Dose-form phrases and their canonical names.
pub(crate) const FORMS: &[(&str, &str)] = &[
    ("tablets", "tablet"),
    ("tablet", "tablet"),
    ("tabs", "tablet"),
    ("tab", "tablet"),
    ("capsules", "capsule"),
    ("capsule", "capsule"),
    ("caps", "capsule"),
    ("cap", "capsule"),
    ("liquid", "liquid"),
    ("oral liquid", "liquid"),
    ("oral solution", "oral solution"),
    ("solution", "solution"),
    ("oral suspension", "oral suspension"),
    ("suspension", "suspension"),
    ("syrup", "syrup"),
    ("inhaler", "inhaler"),
    ("patches", "patch"),
    ("patch", "patch"),
    ("cream", "cream"),
    ("ointment", "ointment"),
    ("gel", "gel"),
    ("lotion", "lotion"),
    ("injection", "injection"),
    ("infusion", "infusion"),
    ("suppositories", "suppository"),
    ("suppository", "suppository"),
    ("pessaries", "pessary"),
    ("pessary", "pessary"),
    ("eye drops", "eye drops"),
    ("eye drop", "eye drops"),
    ("eyedrops", "eye drops"),
    ("ear drops", "ear drops"),
    ("nebules", "nebules"),
    ("nebule", "nebules"),
    ("nasal spray", "spray"),
    ("spray", "spray"),
    ("sachets", "sachet"),
    ("sachet", "sachet"),
];

/// Release and formulation modifiers, kept as written.
pub(crate) const FORM_MODIFIERS: &[&str] = &[
    "modified release",
    "prolonged release",
    "slow release",
    "sustained release",
    "m/r",
    "mr",
    "sr",
    "xl",
    "cr",
    "e/c",
    "ec",
    "gastro resistant",
    "enteric coated",
    "dispersible",
    "orodispersible",
    "soluble",
    "effervescent",
    "chewable",
];

/// Written instructions that belong to the sig but carry no coded value.
pub(crate) const INSTRUCTIONS: &[&str] = &[
    "as directed",
    "as prescribed",
    "as per chart",
    "as per drug chart",
    "as per inr",
    "as per protocol",
    "as per sliding scale",
    "as per bms",
    "as per bm",
    "as per plan",
    "as per instructions",
    "as per anticoagulation clinic",
    "as per anticoag clinic",
];

/// Words that may sit between sig elements and mean nothing by themselves.
/// They never extend a sig: one that is not followed by a sig element is
/// left out of its span.
pub(crate) const FILLERS: &[&str] = &[
    "to be taken",
    "to be given",
    "to take",
    "take",
    "taken",
    "give",
    "given",
    "administer",
    "administered",
    "apply",
    "thinly",
    "sparingly",
    "liberally",
    "use",
    "inhale",
    "insert",
    "instil",
    "dose",
    "of",
    "and",
    "with",
    "in",
    "on",
    "the",
    "each",
    "regular",
    "regularly",
    "slowly",
    "slow",
    "via",
    "into",
    "at",
];

/// Words that may join the words of a reason ("pain and fever") but not end it.
pub(crate) const REASON_JOINERS: &[&str] = &["and", "or", "of", "the", "in", "with", "to", "a", "an", "on"];
