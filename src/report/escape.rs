//! Escaping for the three places untrusted text lands in the page: text
//! nodes, attribute values and JSON inside a `<script>` block.

use serde_json::Value;

/// Appends `s` escaped for an HTML text node (also RCDATA such as
/// `<textarea>` and `<title>`): `&`, `<` and `>`.
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

/// Appends `s` escaped for a quoted attribute value: `&<>"'`.
pub(super) fn push_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// `value` as compact JSON that is safe inside `<script>`: `<`, `>`, `&`,
/// U+2028 and U+2029 become `\uXXXX` escapes, so neither `</script>` nor
/// `<!--` can appear. Those characters only occur inside JSON strings,
/// where the escape means the same thing, so the JSON is unchanged.
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
            _ => out.push(c),
        }
    }
    out
}
