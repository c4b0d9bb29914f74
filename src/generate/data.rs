//! The embedded word lists: personas and templates.

use std::collections::BTreeMap;

/// The embedded personas.
pub(super) const PERSONAS: &str = include_str!("../../dictionaries/generate/personas.tsv");
/// The embedded templates.
pub(super) const TEMPLATES: &str = include_str!("../../dictionaries/generate/templates.tsv");

const PERSONA_HEADER: &str = "id\tgiven\tfamily\tsex\tage\ttags\tpmh\tdh\tallergies\tsh\tfh";
const TEMPLATE_HEADER: &str = "slot\ttemplate";

/// One invented patient.
#[derive(Debug, Clone)]
pub(super) struct Persona {
    pub id: String,
    pub given: String,
    pub family: String,
    pub sex: String,
    pub age: u32,
    /// Explicit tags, plus `hold` when a drug chart item may be held.
    pub tags: Vec<String>,
    pub pmh: Vec<String>,
    pub dh: Vec<String>,
    /// Lower-case names of the drugs the plan may hold.
    pub holdable: Vec<String>,
    pub allergies: Vec<String>,
    pub sh: String,
    pub fh: Vec<String>,
}

/// A presentation and the tag a persona needs for it.
#[derive(Debug, Clone)]
pub(super) struct Presentation {
    pub key: String,
    pub requires: Option<String>,
}

/// Data lines of a TSV file after its header: (line number, fields).
fn rows<'a>(name: &str, contents: &'a str, header: &str) -> Vec<(usize, Vec<&'a str>)> {
    let mut out = Vec::new();
    let mut seen_header = false;
    for (i, line) in contents.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if !seen_header {
            assert_eq!(line, header, "{name}:{}: bad header", i + 1);
            seen_header = true;
            continue;
        }
        out.push((i + 1, line.split('\t').collect()));
    }
    out
}

fn list(field: &str) -> Vec<String> {
    field
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// The text of the first `{m|…}` marker in a drug chart item.
fn drug_name(item: &str) -> Option<&str> {
    let rest = &item[item.find("{m|")? + 3..];
    Some(&rest[..rest.find('}')?])
}

/// Parse the embedded personas. The data is ours: a bad line is a bug, so it
/// panics with the line number.
pub(super) fn personas() -> Vec<Persona> {
    rows("personas.tsv", PERSONAS, PERSONA_HEADER)
        .into_iter()
        .map(|(line, f)| {
            assert_eq!(f.len(), 11, "personas.tsv:{line}: expected 11 fields");
            let mut tags = list(f[5]);
            let mut dh = Vec::new();
            let mut holdable = Vec::new();
            for item in list(f[7]) {
                match item.strip_prefix('!') {
                    Some(item) => {
                        let name = drug_name(item).unwrap_or_else(|| panic!("personas.tsv:{line}: no drug"));
                        holdable.push(name.to_lowercase());
                        dh.push(item.to_string());
                    }
                    None => dh.push(item),
                }
            }
            if !holdable.is_empty() {
                tags.push("hold".into());
            }
            Persona {
                id: f[0].into(),
                given: f[1].into(),
                family: f[2].into(),
                sex: f[3].into(),
                age: f[4]
                    .parse()
                    .unwrap_or_else(|_| panic!("personas.tsv:{line}: bad age")),
                tags,
                pmh: list(f[6]),
                dh,
                holdable,
                allergies: list(f[8]),
                sh: f[9].into(),
                fh: list(f[10]),
            }
        })
        .collect()
}

/// Parse the embedded templates into slots, each with its alternatives in
/// file order. `\n` in a template becomes a line break.
pub(super) fn templates() -> BTreeMap<String, Vec<String>> {
    let mut slots: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (line, f) in rows("templates.tsv", TEMPLATES, TEMPLATE_HEADER) {
        assert_eq!(f.len(), 2, "templates.tsv:{line}: expected 2 fields");
        slots
            .entry(f[0].into())
            .or_default()
            .push(f[1].replace("\\n", "\n"));
    }
    slots
}

/// The presentations, from the `presentation` slot (`key` or `key:tag`).
pub(super) fn presentations(slots: &BTreeMap<String, Vec<String>>) -> Vec<Presentation> {
    slots
        .get("presentation")
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|p| match p.split_once(':') {
            Some((key, tag)) => Presentation {
                key: key.into(),
                requires: Some(tag.into()),
            },
            None => Presentation {
                key: p.clone(),
                requires: None,
            },
        })
        .collect()
}
