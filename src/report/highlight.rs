//! The note text as escaped segments and `<mark>` elements.
//!
//! Mention offsets are Unicode code points (end exclusive). They are turned
//! into byte offsets here, once per note, so slicing never splits a
//! character. Marks never nest: mentions are taken in order of start, then
//! longest first, then input order, and one that starts before the previous
//! mark ends is skipped. Skipped mentions, and any with offsets outside the
//! text, are listed after the note instead. `report.js` repeats this rule
//! for the live page; keep the two in step.

use std::fmt::Write as _;

use serde_json::Value;

use super::escape::{push_attr, push_shown};

/// Which mentions get a mark, and which are listed separately.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Layout {
    /// `(start, end, index)` in code points, in text order, not overlapping.
    pub(super) marked: Vec<(usize, usize, usize)>,
    /// Indexes of mentions not marked, ascending.
    pub(super) skipped: Vec<usize>,
}

/// Decides the marks for a text of `len` code points.
pub(super) fn layout(len: usize, mentions: &[Value]) -> Layout {
    let mut candidates = Vec::new();
    let mut out = Layout::default();
    for (i, m) in mentions.iter().enumerate() {
        let start = m
            .get("start")
            .and_then(Value::as_u64)
            .and_then(|v| usize::try_from(v).ok());
        let end = m
            .get("end")
            .and_then(Value::as_u64)
            .and_then(|v| usize::try_from(v).ok());
        match (start, end) {
            (Some(s), Some(e)) if s < e && e <= len => candidates.push((s, e, i)),
            _ => out.skipped.push(i),
        }
    }
    candidates.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let mut done = 0;
    for (s, e, i) in candidates {
        if s >= done {
            out.marked.push((s, e, i));
            done = e;
        } else {
            out.skipped.push(i);
        }
    }
    out.skipped.sort_unstable();
    out
}

/// The CSS class for a mention kind; anything unknown is `other`.
pub(super) fn kind_class(kind: Option<&str>) -> &'static str {
    match kind {
        Some("problem") => "problem",
        Some("medication") => "medication",
        Some("allergy") => "allergy",
        Some("date") => "date",
        _ => "other",
    }
}

/// Assertion flags: JSON key, class suffix, badge text, legend label.
pub(super) const FLAGS: [(&str, &str, &str, &str); 5] = [
    ("negated", "neg", "no", "negated"),
    ("uncertain", "unc", "?", "uncertain"),
    ("family", "fam", "FH", "family history"),
    ("historical", "hist", "past", "historical"),
    ("hypothetical", "hyp", "if", "hypothetical"),
];

/// The short label of a mention: its concept, its date value or its text.
pub(super) fn label(m: &Value) -> &str {
    m.pointer("/concept/display")
        .or_else(|| m.pointer("/date/value"))
        .or_else(|| m.get("text"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Appends the opening tag's attributes shared by marks and chips:
/// ` class="m m-KIND is-neg …" data-m="I" data-badges="no ?" title="…"`.
fn push_mention_attrs(out: &mut String, m: &Value, index: usize) {
    let kind = kind_class(m.get("kind").and_then(Value::as_str));
    let _ = write!(out, " class=\"m m-{kind}");
    let mut badges = Vec::new();
    for (key, class, badge, _) in FLAGS {
        if m.pointer(&format!("/assertion/{key}")).and_then(Value::as_bool) == Some(true) {
            let _ = write!(out, " is-{class}");
            badges.push(badge);
        }
    }
    let _ = write!(out, "\" data-m=\"{index}\"");
    if !badges.is_empty() {
        let _ = write!(out, " data-badges=\"{}\"", badges.join(" "));
    }
    out.push_str(" title=\"");
    push_attr(out, label(m));
    out.push('"');
}

/// Appends the note text with its marks, all escaped.
pub(super) fn push_marked_text(out: &mut String, text: &str, mentions: &[Value], layout: &Layout) {
    let bounds: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
    let mut pos = 0;
    for &(s, e, i) in &layout.marked {
        push_shown(out, &text[bounds[pos]..bounds[s]]);
        out.push_str("<mark");
        push_mention_attrs(out, &mentions[i], i);
        out.push_str(" tabindex=\"0\" role=\"button\">");
        push_shown(out, &text[bounds[s]..bounds[e]]);
        out.push_str("</mark>");
        pos = e;
    }
    push_shown(out, &text[bounds[pos]..]);
}

/// Appends one button per skipped mention, or nothing.
pub(super) fn push_skipped(out: &mut String, mentions: &[Value], layout: &Layout) {
    if layout.skipped.is_empty() {
        return;
    }
    out.push_str("<p class=\"n2f-skipped\">Not highlighted (overlaps another): ");
    for &i in &layout.skipped {
        out.push_str("<button type=\"button\"");
        push_mention_attrs(out, &mentions[i], i);
        out.push('>');
        push_shown(
            out,
            mentions[i].get("text").and_then(Value::as_str).unwrap_or("?"),
        );
        out.push_str("</button> ");
    }
    out.push_str("</p>");
}
