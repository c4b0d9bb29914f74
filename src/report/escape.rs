//! Escaping for the three places untrusted text lands in the page: text
//! nodes, attribute values and JSON inside a `<script>` block.
//!
//! Shown text never carries an invisible or control character that could
//! change how the text around it reads: bidirectional overrides, embeddings
//! and isolates, directional marks, zero-width characters, the soft hyphen,
//! C0 and C1 controls and tag characters ([`is_hidden`]) are replaced by a
//! visible `⟨U+202E⟩` badge, so a right-to-left override cannot make a
//! reversed word read as a drug name, nor a zero-width space hide inside
//! one. `report.js` applies the same set on the live page.

use std::fmt::Write as _;

use serde_json::Value;

/// Whether `c` is invisible or steers how other text is shown. Tab, line
/// feed and carriage return are layout, not hidden. Keep in step with
/// `HIDDEN` in `report.js`.
pub(super) fn is_hidden(c: char) -> bool {
    matches!(c,
        '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
        | '\u{e0001}' | '\u{e0020}'..='\u{e007f}')
}

/// Appends `s` escaped for an RCDATA element (`<textarea>`, `<title>`):
/// `&`, `<` and `>`; hidden characters are kept, as an editor needs them.
pub(super) fn push_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
}

/// Appends `s` escaped for an HTML text node, each hidden character as a
/// badge `<span class="n2f-cc" title="…">⟨U+XXXX⟩</span>`.
pub(super) fn push_shown(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if is_hidden(c) => {
                let _ = write!(
                    out,
                    "<span class=\"n2f-cc\" title=\"hidden in the note: {}\">⟨U+{:04X}⟩</span>",
                    hidden_name(c),
                    u32::from(c)
                );
            }
            _ => out.push(c),
        }
    }
}

/// Appends `s` escaped for a quoted attribute value: `&<>"'`, and each
/// hidden character as the text `⟨U+XXXX⟩`.
pub(super) fn push_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_hidden(c) => {
                let _ = write!(out, "⟨U+{:04X}⟩", u32::from(c));
            }
            _ => out.push(c),
        }
    }
}

/// A short description of a hidden character, for the badge's tooltip.
fn hidden_name(c: char) -> &'static str {
    match c {
        '\u{202a}' => "left-to-right embedding",
        '\u{202b}' => "right-to-left embedding",
        '\u{202c}' => "pop directional formatting",
        '\u{202d}' => "left-to-right override",
        '\u{202e}' => "right-to-left override",
        '\u{2066}' => "left-to-right isolate",
        '\u{2067}' => "right-to-left isolate",
        '\u{2068}' => "first strong isolate",
        '\u{2069}' => "pop directional isolate",
        '\u{200e}' => "left-to-right mark",
        '\u{200f}' => "right-to-left mark",
        '\u{61c}' => "Arabic letter mark",
        '\u{200b}' => "zero width space",
        '\u{200c}' => "zero width non-joiner",
        '\u{200d}' => "zero width joiner",
        '\u{2060}' => "word joiner",
        '\u{feff}' => "zero width no-break space",
        '\u{ad}' => "soft hyphen",
        '\u{e0001}'..='\u{e007f}' => "tag character",
        _ => "invisible or control character",
    }
}

/// `value` as compact JSON that is safe inside `<script>`: `<`, `>`, `&`,
/// U+2028, U+2029 and hidden characters become `\uXXXX` escapes, so neither
/// `</script>` nor `<!--` can appear, nor a bidi control in the page
/// source. Those characters only occur inside JSON strings, where the escape
/// means the same thing, so the JSON is unchanged.
pub(super) fn script_json(value: &Value) -> String {
    let raw = value.to_string();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if is_hidden(c) => {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            _ => out.push(c),
        }
    }
    out
}
