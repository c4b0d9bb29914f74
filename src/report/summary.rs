//! The batch summary: counts by kind, top problems and medications, and the
//! share of problem mentions that were negated, with CSS bar charts.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::escape::push_shown;
use super::highlight::{kind_class, label};
use super::ReportNote;

/// The kinds in display order, with their legend names.
pub(super) const KINDS: [(&str, &str); 4] = [
    ("problem", "Problem"),
    ("medication", "Medication"),
    ("allergy", "Allergy"),
    ("date", "Date / time"),
];

/// Counts over a batch.
#[derive(Debug, Default)]
pub(super) struct Summary {
    notes: usize,
    /// By kind class, including `other`.
    kinds: BTreeMap<&'static str, usize>,
    problems: BTreeMap<String, usize>,
    medications: BTreeMap<String, usize>,
    problem_total: usize,
    problem_negated: usize,
}

/// The mentions array of a mentions object, or an empty slice.
pub(super) fn mentions_of(mentions: &Value) -> &[Value] {
    mentions
        .get("mentions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

impl Summary {
    /// Counts every mention of every note.
    pub(super) fn new(notes: &[ReportNote<'_>]) -> Summary {
        let mut s = Summary {
            notes: notes.len(),
            ..Summary::default()
        };
        for note in notes {
            for m in mentions_of(note.mentions) {
                let kind = kind_class(m.get("kind").and_then(Value::as_str));
                *s.kinds.entry(kind).or_default() += 1;
                match kind {
                    "problem" => {
                        s.problem_total += 1;
                        if m.pointer("/assertion/negated").and_then(Value::as_bool) == Some(true) {
                            s.problem_negated += 1;
                        }
                        *s.problems.entry(label(m).to_owned()).or_default() += 1;
                    }
                    "medication" => *s.medications.entry(label(m).to_owned()).or_default() += 1,
                    _ => {}
                }
            }
        }
        s
    }

    /// Appends the summary section.
    pub(super) fn push_html(&self, out: &mut String) {
        let total: usize = self.kinds.values().sum();
        let _ = write!(
            out,
            "<section class=\"n2f-summary\"><h2>Batch summary</h2>\
             <p class=\"n2f-big\"><b>{}</b> note{} · <b>{total}</b> mention{}</p><div class=\"n2f-charts\">",
            self.notes,
            plural(self.notes),
            plural(total)
        );
        let mut kinds: Vec<(String, usize, &str)> = KINDS
            .iter()
            .map(|&(k, name)| (name.to_owned(), self.count(k), k))
            .collect();
        if self.count("other") > 0 {
            kinds.push(("Other".to_owned(), self.count("other"), "other"));
        }
        push_chart(out, "Mentions by kind", &kinds);
        let top = |map: &BTreeMap<String, usize>, kind: &'static str| -> Vec<(String, usize, &'static str)> {
            let mut v: Vec<_> = map.iter().map(|(k, &n)| (k.clone(), n, kind)).collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v.truncate(5);
            v
        };
        push_chart(
            out,
            "Top problems (all mentions)",
            &top(&self.problems, "problem"),
        );
        push_chart(out, "Top medications", &top(&self.medications, "medication"));
        let pct = (self.problem_negated * 100)
            .checked_div(self.problem_total)
            .unwrap_or(0);
        let _ = write!(
            out,
            "<figure class=\"n2f-chart\"><figcaption>Problem mentions negated</figcaption>\
             <p class=\"n2f-big\"><b>{pct}%</b> ({} of {})</p>\
             <div class=\"n2f-track\"><div class=\"n2f-bar m-problem is-negbar n2f-w{}\"></div></div>\
             </figure></div></section>",
            self.problem_negated,
            self.problem_total,
            pct.min(100)
        );
    }

    fn count(&self, kind: &str) -> usize {
        self.kinds.get(kind).copied().unwrap_or(0)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A horizontal bar chart: one row per `(label, count, kind class)`, bars
/// scaled to the largest count.
fn push_chart(out: &mut String, caption: &str, rows: &[(String, usize, &str)]) {
    let _ = write!(
        out,
        "<figure class=\"n2f-chart\"><figcaption>{caption}</figcaption>"
    );
    if rows.is_empty() {
        out.push_str("<p class=\"n2f-none\">none</p></figure>");
        return;
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    out.push_str("<table>");
    for (name, n, kind) in rows {
        out.push_str("<tr><th scope=\"row\">");
        push_shown(out, name);
        let _ = write!(
            out,
            "</th><td class=\"n2f-track\"><div class=\"n2f-bar m-{kind} n2f-w{}\"></div></td>\
             <td class=\"n2f-num\">{n}</td></tr>",
            (n * 100 / max).min(100)
        );
    }
    out.push_str("</table></figure>");
}
