//! The teaching report: notes with their findings highlighted, as one
//! self-contained HTML page.
//!
//! [`render_report`] writes a page for a batch of notes: a summary with bar
//! charts, a legend, then each note with its mentions highlighted by kind
//! and badged by assertion, a details panel, and the note's FHIR Bundle
//! beside it. [`render_serve_page`] writes the live page for
//! `note2fhir serve`, which asks the server to structure a note and shows
//! the result the same way. Both pages carry the same inline CSS
//! (`report/report.css`) and JavaScript (`report/report.js`); nothing is
//! fetched from elsewhere, and a Content-Security-Policy says so. The policy
//! has no `'unsafe-inline'`: it allows the one `<style>` and the one
//! `<script>` by their SHA-256 hashes, computed here from the exact text
//! emitted, so no injected script, style element or style attribute would
//! run (the bar charts use width classes, not style attributes).
//!
//! # Safety
//!
//! Note text, note ids, titles and every string in the mentions and the
//! bundle are untrusted. The text of the note is emitted here, in Rust, as
//! escaped text segments (`&<>`) and `<mark>` elements; attribute values
//! escape `&<>"'`. Invisible and bidirectional control characters are shown
//! as visible `⟨U+202E⟩` badges instead of acting on the text around them,
//! and the note text and each mark are bidi-isolated (`unicode-bidi:
//! isolate`), so what the page shows is what was coded. Data for the script
//! goes into `<script type="application/json">` blocks with `<`, `>`, `&`,
//! U+2028 and U+2029 written as `\uXXXX`, and the script builds the details
//! panel with `textContent` only, applying the same visible-character rule.
//!
//! # Wire format of the embedded data
//!
//! Each note is a `<section class="n2f-note" data-note="K">` (K is the
//! note's position in the batch, from 0) holding
//! `<script type="application/json" id="n2f-data-K">` with
//!
//! ```json
//! {"note_id": "...", "note_date": "2025-03-12" | null,
//!  "mentions": [ /* the note2fhir.mentions/1 mentions, unchanged */ ],
//!  "bundle": { /* the note's FHIR Bundle, unchanged */ }}
//! ```
//!
//! Each `<mark>` carries `data-m`, the index of its mention in `mentions`;
//! the script finds a mention's resource in `bundle` by `fhir.id`, and
//! pretty-prints the bundle into the collapsible panel beside the note. The
//! bundle is carried once, compact, rather than also as pre-rendered text:
//! that halves the page.
//!
//! # Example
//!
//! ```
//! use note2fhir::report::{render_report, ReportNote};
//! use serde_json::json;
//!
//! let mentions = json!({"mentions": [{"id": "p0-4", "kind": "problem", "text": "T2DM",
//!     "start": 0, "end": 4, "concept": {"display": "Diabetes mellitus type 2"}}]});
//! let bundle = json!({"resourceType": "Bundle", "entry": []});
//! let note = ReportNote { id: "ward-1", text: "T2DM <ok>", mentions: &mentions, bundle: &bundle };
//! let html = render_report("Ward notes", &[note]);
//! assert!(html.contains(">T2DM</mark> &lt;ok&gt;"));
//! ```

use std::fmt::Write as _;
use std::sync::LazyLock;

use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

mod escape;
mod highlight;
mod summary;
#[cfg(test)]
mod tests;

use escape::{push_attr, push_shown, push_text, script_json};
use highlight::FLAGS;
use summary::{mentions_of, Summary, KINDS};

const CSS: &str = include_str!("report/report.css");
const JS: &str = include_str!("report/report.js");

/// The exact contents of the page's `<style>` and `<script>` elements, and
/// the CSP sources that allow them.
struct Assets {
    style: String,
    script: String,
    style_hash: String,
    script_hash: String,
}

static ASSETS: LazyLock<Assets> = LazyLock::new(|| {
    let mut style = format!("\n{CSS}");
    // The bar charts' widths, as classes: the policy forbids style attributes.
    for pct in 0..=100 {
        let _ = write!(style, ".n2f-w{pct}{{width:{pct}%}}");
    }
    style.push('\n');
    let script = format!("\n{JS}");
    Assets {
        style_hash: csp_hash(&style),
        script_hash: csp_hash(&script),
        style,
        script,
    }
});

/// The CSP source for an inline element with this text: `'sha256-…'`.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page's Content-Security-Policy: nothing but its own style and
/// script (by hash), and fetches only to `connect`.
fn content_security_policy(connect: &str) -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; connect-src {connect}; \
         base-uri 'none'; form-action 'none'",
        ASSETS.style_hash, ASSETS.script_hash
    )
}

/// The Content-Security-Policy of [`render_serve_page`], for a server that
/// also sends it as a header.
pub fn serve_page_csp() -> String {
    content_security_policy("'self'")
}

/// One note of a report: its text and what the pipeline made of it.
#[derive(Debug, Clone, Copy)]
pub struct ReportNote<'a> {
    /// The note id, shown as the note's heading.
    pub id: &'a str,
    /// The note text the mention offsets point into.
    pub text: &'a str,
    /// The note's `note2fhir.mentions/1` object (with a `mentions` array).
    pub mentions: &'a Value,
    /// The note's FHIR Bundle.
    pub bundle: &'a Value,
}

/// A whole self-contained HTML page for a batch of notes (no external
/// fetches, no CDN, inline CSS and JS only).
///
/// The output depends only on the arguments: same input, same bytes.
pub fn render_report(title: &str, notes: &[ReportNote<'_>]) -> String {
    let mut out = String::with_capacity(16_384 + notes.len() * 8_192);
    push_head(&mut out, title, "'none'");
    out.push_str("<header><h1>");
    push_shown(&mut out, title);
    out.push_str("</h1><p class=\"n2f-sub\">Unstructured ward notes → structured FHIR R4</p></header><main>");
    Summary::new(notes).push_html(&mut out);
    push_legend(&mut out);
    for (k, note) in notes.iter().enumerate() {
        push_note(&mut out, k, note);
    }
    out.push_str("</main>");
    push_tail(&mut out);
    out
}

/// The interactive page for `note2fhir serve`: a textarea prefilled with
/// `sample_note` and a "Structure it" button.
///
/// The button POSTs `{"id":"demo","text":…}` as JSON to
/// `/api/extract?format=both` and expects
/// `{"mentions": <mentions object>, "bundle": <Bundle>}`; the answer is shown
/// like a note of the report, highlighted, with the FHIR JSON beside it.
/// The sample is structured once when the page loads.
pub fn render_serve_page(sample_note: &str) -> String {
    let mut out = String::with_capacity(32_768);
    push_head(&mut out, "note2fhir live demo", "'self'");
    out.push_str(
        "<header><h1>note2fhir: live demo</h1>\
         <p class=\"n2f-sub\">Type or paste a ward note, then structure it into FHIR R4</p></header><main>\
         <form id=\"n2f-form\" class=\"n2f-form\"><label for=\"n2f-input\">Ward note</label>\
         <textarea id=\"n2f-input\" rows=\"10\" spellcheck=\"false\">",
    );
    push_text(&mut out, sample_note);
    out.push_str(
        "</textarea><div class=\"n2f-actions\"><button type=\"submit\" id=\"n2f-go\">Structure it</button>\
         <span id=\"n2f-status\" role=\"status\"></span></div></form>",
    );
    push_legend(&mut out);
    out.push_str(
        "<section class=\"n2f-note\" data-note=\"demo\" aria-label=\"Result\"><h2>Result</h2>\
         <div class=\"n2f-cols\"><div class=\"n2f-left\"><div class=\"n2f-text\"></div>\
         <p class=\"n2f-skipped\" hidden></p>",
    );
    push_panel(&mut out);
    out.push_str(
        "</div><details class=\"n2f-bundle\" open><summary>FHIR Bundle</summary>\
         <pre class=\"n2f-json\"></pre></details></div></section></main>",
    );
    push_tail(&mut out);
    out
}

/// Doctype, head with CSP and CSS, and the opening `<body>`.
fn push_head(out: &mut String, title: &str, connect: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\"><title>",
        content_security_policy(connect)
    );
    push_text(out, title);
    out.push_str("</title><style>");
    out.push_str(&ASSETS.style);
    out.push_str("</style></head><body>\n");
}

fn push_tail(out: &mut String) {
    out.push_str("<script>");
    out.push_str(&ASSETS.script);
    out.push_str("</script></body></html>\n");
}

/// The legend: one sample mark per kind, one per assertion badge.
fn push_legend(out: &mut String) {
    out.push_str("<section class=\"n2f-legend\" aria-label=\"Legend\"><h2>Legend</h2><p>");
    for (kind, name) in KINDS {
        let _ = write!(out, "<mark class=\"m m-{kind}\">{name}</mark> ");
    }
    out.push_str("</p><p>");
    for (_, class, badge, name) in FLAGS {
        let _ = write!(
            out,
            "<mark class=\"m m-other is-{class}\" data-badges=\"{badge}\">{name}</mark> "
        );
    }
    out.push_str(
        "</p><p class=\"n2f-hint\">Hover over or click a highlighted phrase to see its codes, \
         the cues that set its context, the rule that found it and the FHIR resource it became.</p></section>",
    );
}

fn push_panel(out: &mut String) {
    out.push_str(
        "<div class=\"n2f-panel\" aria-live=\"polite\"><p class=\"n2f-hint\">Hover over or click a \
         highlighted phrase for details.</p></div>",
    );
}

/// One note: heading, marked text, panel, bundle, and its data block.
fn push_note(out: &mut String, k: usize, note: &ReportNote<'_>) {
    let mentions = mentions_of(note.mentions);
    let len = note.text.chars().count();
    let layout = highlight::layout(len, mentions);
    let _ = write!(
        out,
        "<section class=\"n2f-note\" id=\"note-{k}\" data-note=\"{k}\" aria-label=\"Note "
    );
    push_attr(out, note.id);
    let _ = write!(out, "\"><h2><span class=\"n2f-n\">{}</span> <bdi>", k + 1);
    push_shown(out, note.id);
    out.push_str("</bdi><small>");
    if let Some(date) = note.mentions.get("note_date").and_then(Value::as_str) {
        push_shown(out, date);
        out.push_str(" · ");
    }
    let _ = write!(
        out,
        "{} mention{}</small></h2>",
        mentions.len(),
        if mentions.len() == 1 { "" } else { "s" }
    );
    out.push_str("<div class=\"n2f-cols\"><div class=\"n2f-left\"><div class=\"n2f-text\">");
    highlight::push_marked_text(out, note.text, mentions, &layout);
    out.push_str("</div>");
    highlight::push_skipped(out, mentions, &layout);
    push_panel(out);
    let entries = note
        .bundle
        .get("entry")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let _ = write!(
        out,
        "</div><details class=\"n2f-bundle\" open><summary>FHIR Bundle · {entries} resource{}</summary>\
         <pre class=\"n2f-json\">",
        if entries == 1 { "" } else { "s" }
    );
    out.push_str("</pre></details></div>");
    let data = serde_json::json!({
        "note_id": note.id,
        "note_date": note.mentions.get("note_date").cloned().unwrap_or(Value::Null),
        "mentions": mentions,
        "bundle": note.bundle,
    });
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"n2f-data-{k}\">{}</script>",
        script_json(&data)
    );
    out.push_str("</section>\n");
}
