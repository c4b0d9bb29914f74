use serde_json::{json, Value};

use super::highlight::{layout, Layout};
use super::*;

const PAYLOADS: [&str; 6] = [
    "<script>alert(1)</script>",
    "</script>",
    "<!--",
    "\"><img src=x onerror=alert(1)>",
    "&",
    "'",
];
/// The payloads that must never appear verbatim in a page.
const RAW: [&str; 4] = ["<script>alert(1)", "\"><img", "<!--", "<img src=x"];

fn mention(id: &str, kind: &str, text: &str, start: usize, end: usize) -> Value {
    json!({
        "id": id, "kind": kind, "text": text, "start": start, "end": end,
        "concept": {"display": text, "codes": [{"system": "http://snomed.info/sct", "code": "1"}]},
        "assertion": {"negated": false, "uncertain": false, "historical": false, "family": false,
                      "hypothetical": false},
        "fhir": null, "explain": {"rule": "test", "cues": []}
    })
}

fn mentions_obj(mentions: Vec<Value>) -> Value {
    json!({"schema": "note2fhir.mentions/1", "note_id": "n", "note_date": "2025-03-12", "mentions": mentions})
}

fn empty_bundle() -> Value {
    json!({"resourceType": "Bundle", "type": "collection", "entry": []})
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack
        .to_ascii_lowercase()
        .matches(&needle.to_ascii_lowercase())
        .count()
}

/// Only the `<script` blocks we emit: one JSON block per note plus the code.
fn assert_script_tags(html: &str, notes: usize) {
    assert_eq!(count(html, "<script"), notes + 1, "opening script tags");
    assert_eq!(count(html, "</script"), notes + 1, "closing script tags");
    assert_eq!(count(html, "<!--"), 0);
    for raw in RAW {
        assert!(!html.contains(raw), "raw payload {raw:?} in output");
    }
}

/// The text of the JSON data block of note `k`, parsed.
fn data_block(html: &str, k: usize) -> Value {
    let open = format!("<script type=\"application/json\" id=\"n2f-data-{k}\">");
    let start = html.find(&open).expect("data block") + open.len();
    let end = start + html[start..].find("</script>").expect("end of data block");
    let raw = &html[start..end];
    for c in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
        assert!(!raw.contains(c), "{c:?} in script JSON");
    }
    serde_json::from_str(raw).expect("data block is JSON")
}

/// The inner HTML of the note text box of the first note.
fn text_box(html: &str) -> &str {
    let open = "<div class=\"n2f-text\">";
    let start = html.find(open).expect("text box") + open.len();
    &html[start..start + html[start..].find("</div>").expect("end of text box")]
}

/// `(data-m, escaped content)` of every mark, in order; also checks marks
/// neither nest nor are left open.
fn marks(fragment: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut rest = fragment;
    while let Some(open) = rest.find("<mark") {
        let after = &rest[open..];
        let gt = after.find('>').expect("end of mark tag");
        let tag = &after[..gt];
        let m = tag
            .split("data-m=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("data-m");
        let body = &after[gt + 1..];
        let close = body.find("</mark>").expect("mark closed");
        assert!(!body[..close].contains("<mark"), "nested mark in {fragment}");
        out.push((m.parse().unwrap(), body[..close].to_owned()));
        rest = &body[close + "</mark>".len()..];
    }
    assert!(!rest.contains("</mark>"), "stray </mark>");
    out
}

#[test]
fn payloads_in_note_text_are_text() {
    let text = PAYLOADS.join(" x ");
    let mentions = mentions_obj(vec![]);
    let bundle = empty_bundle();
    let note = ReportNote {
        id: "n",
        text: &text,
        mentions: &mentions,
        bundle: &bundle,
    };
    let html = render_report("t", &[note]);
    assert_script_tags(&html, 1);
    assert_eq!(
        text_box(&html),
        "&lt;script&gt;alert(1)&lt;/script&gt; x &lt;/script&gt; x &lt;!-- x \
         \"&gt;&lt;img src=x onerror=alert(1)&gt; x &amp; x '"
    );
}

#[test]
fn payloads_in_marks_titles_and_ids_are_escaped() {
    for payload in PAYLOADS {
        let text = format!("a {payload} b");
        let n = payload.chars().count();
        let mut m = mention("p2", "problem", payload, 2, 2 + n);
        m["concept"]["display"] = json!(payload);
        m["explain"]["rule"] = json!(payload);
        let mentions = mentions_obj(vec![m]);
        let bundle = json!({"resourceType": "Bundle", "entry": [{"resource": {"id": payload}}]});
        let note = ReportNote {
            id: payload,
            text: &text,
            mentions: &mentions,
            bundle: &bundle,
        };
        let html = render_report(payload, &[note]);
        assert_script_tags(&html, 1);
        let mut as_text = String::new();
        escape::push_text(&mut as_text, payload);
        let mut as_attr = String::new();
        escape::push_attr(&mut as_attr, payload);
        assert_eq!(marks(text_box(&html)), vec![(0, as_text.clone())], "{payload}");
        assert!(
            html.contains(&format!("title=\"{as_attr}\" tabindex")),
            "{payload}: title"
        );
        assert!(
            html.contains(&format!("aria-label=\"Note {as_attr}\"")),
            "{payload}: note id attribute"
        );
        assert!(
            html.contains(&format!("<title>{as_text}</title>")),
            "{payload}: page title"
        );
        assert!(
            html.contains(&format!("</span> <bdi>{as_text}</bdi><small>")),
            "{payload}: note heading"
        );
        assert!(!as_attr.contains(['"', '\'', '<', '>']));
        let data = data_block(&html, 0);
        assert_eq!(data["note_id"], json!(payload));
        assert_eq!(data["mentions"][0]["explain"]["rule"], json!(payload));
    }
}

#[test]
fn script_json_escapes_breakouts() {
    let v = json!({"a": "</script><script>alert(1)</script><!-- & \u{2028}\u{2029} ' \""});
    let s = escape::script_json(&v);
    assert_eq!(
        s,
        r#"{"a":"\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e\u003c!-- \u0026 \u2028\u2029 ' \""}"#
    );
    assert_eq!(serde_json::from_str::<Value>(&s).unwrap(), v);
    let v = json!({"a": "\u{202E}\u{E0041}\u{85}"});
    let s = escape::script_json(&v);
    assert_eq!(s, r#"{"a":"\u202e\udb40\udc41\u0085"}"#);
    assert_eq!(serde_json::from_str::<Value>(&s).unwrap(), v);
}

#[test]
fn attribute_and_text_escaping() {
    let mut t = String::new();
    escape::push_text(&mut t, "<a href='x'>&\"</a>");
    assert_eq!(t, "&lt;a href='x'&gt;&amp;\"&lt;/a&gt;");
    let mut a = String::new();
    escape::push_attr(&mut a, "<a href='x'>&\"</a>");
    assert_eq!(a, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
}

#[test]
fn serve_page_escapes_the_sample() {
    let sample = format!("{} </textarea><script>alert(1)</script>", PAYLOADS.join(" "));
    let html = render_serve_page(&sample);
    assert_script_tags(&html, 0);
    assert_eq!(count(&html, "</textarea"), 1);
    assert!(html.contains("&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;</textarea>"));
    assert!(html.contains("/api/extract?format=both"));
    assert!(
        html.contains(CSS) && html.contains(JS),
        "shares the report's CSS and JS"
    );
}

#[test]
fn assets_cannot_break_out_or_parse_data_as_html() {
    for bad in ["</script", "</style", "<!--", "<script"] {
        assert_eq!(count(JS, bad), 0, "{bad} in report.js");
        assert_eq!(count(CSS, bad), 0, "{bad} in report.css");
    }
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
    ] {
        assert!(!JS.contains(sink), "{sink} in report.js");
    }
}

#[test]
fn no_external_fetches() {
    let text = include_str!("../../tests/data/report/unicode.txt");
    let mentions: Value =
        serde_json::from_str(include_str!("../../tests/data/report/unicode.mentions.json")).unwrap();
    let bundle: Value =
        serde_json::from_str(include_str!("../../tests/data/report/unicode.bundle.json")).unwrap();
    let html = render_report(
        "r",
        &[ReportNote {
            id: "unicode",
            text,
            mentions: &mentions,
            bundle: &bundle,
        }],
    );
    for bad in [" src=", " href=", "<link", "<img", "<iframe", "@import", "url("] {
        assert_eq!(count(&html, bad), 0, "{bad}");
    }
    assert!(html.contains("default-src 'none'"));
}

#[test]
fn unicode_marks_cover_exactly_the_mention() {
    // Code points: "°", "–", "é", "😀" are 2, 3, 2 and 4 bytes in UTF-8, and
    // the emoji is two UTF-16 units.
    let text = "T 38.5°C – ?LRTI. Zoë 😀 café HTN.";
    let cp = |needle: &str| text[..text.find(needle).unwrap()].chars().count();
    let mut neg = mention("p2", "problem", "HTN", cp("HTN"), cp("HTN") + 3);
    neg["assertion"]["negated"] = json!(true);
    neg["assertion"]["family"] = json!(true);
    let mentions = mentions_obj(vec![
        mention("p1", "problem", "LRTI", cp("LRTI"), cp("LRTI") + 4),
        mention("d1", "date", "😀 café", cp("😀"), cp("😀") + 6),
        neg,
        mention("m1", "medication", "°C –", cp("°"), cp("°") + 4),
    ]);
    let bundle = empty_bundle();
    let html = render_report(
        "u",
        &[ReportNote {
            id: "u",
            text,
            mentions: &mentions,
            bundle: &bundle,
        }],
    );
    let boxed = text_box(&html);
    assert_eq!(
        marks(boxed),
        vec![
            (3, "°C –".into()),
            (0, "LRTI".into()),
            (1, "😀 café".into()),
            (2, "HTN".into())
        ]
    );
    assert!(boxed.starts_with("T 38.5<mark class=\"m m-medication\" data-m=\"3\""));
    assert!(boxed.contains(" ?<mark class=\"m m-problem\" data-m=\"0\""));
    assert!(boxed.contains(
        "<mark class=\"m m-problem is-neg is-fam\" data-m=\"2\" data-badges=\"no FH\" title=\"HTN\" \
         tabindex=\"0\" role=\"button\">HTN</mark>."
    ));
}

#[test]
fn fixture_marks_match_mention_text() {
    let text = include_str!("../../tests/data/report/unicode.txt");
    let mentions: Value =
        serde_json::from_str(include_str!("../../tests/data/report/unicode.mentions.json")).unwrap();
    let bundle: Value =
        serde_json::from_str(include_str!("../../tests/data/report/unicode.bundle.json")).unwrap();
    let html = render_report(
        "r",
        &[ReportNote {
            id: "unicode",
            text,
            mentions: &mentions,
            bundle: &bundle,
        }],
    );
    let list = mentions["mentions"].as_array().unwrap();
    let found = marks(text_box(&html));
    assert_eq!(found.len(), list.len());
    for (i, content) in found {
        let mut want = String::new();
        escape::push_text(&mut want, list[i]["text"].as_str().unwrap());
        assert_eq!(content, want, "mention {i}");
    }
    // The text outside the marks is the note, unchanged but escaped.
    let mut plain = String::new();
    escape::push_text(&mut plain, text);
    let stripped: String = {
        let mut s = String::new();
        let mut in_tag = false;
        for c in text_box(&html).chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                _ if !in_tag => s.push(c),
                _ => {}
            }
        }
        s
    };
    assert_eq!(stripped, plain);
    // The data block carries the mentions and the bundle unchanged.
    let data = data_block(&html, 0);
    assert_eq!(data["mentions"], mentions["mentions"]);
    assert_eq!(data["bundle"], bundle);
    assert_eq!(data["note_id"], json!("unicode"));
    assert!(html.contains("<details class=\"n2f-bundle\" open><summary>FHIR Bundle · "));
}

#[test]
fn output_is_deterministic() {
    let text = include_str!("../../tests/data/report/unicode.txt");
    let mentions: Value =
        serde_json::from_str(include_str!("../../tests/data/report/unicode.mentions.json")).unwrap();
    let bundle: Value =
        serde_json::from_str(include_str!("../../tests/data/report/unicode.bundle.json")).unwrap();
    let notes = [
        ReportNote {
            id: "a",
            text,
            mentions: &mentions,
            bundle: &bundle,
        },
        ReportNote {
            id: "b",
            text,
            mentions: &mentions,
            bundle: &bundle,
        },
    ];
    let first = render_report("batch", &notes);
    assert_eq!(first, render_report("batch", &notes));
    assert_eq!(render_serve_page(text), render_serve_page(text));
    assert_script_tags(&first, 2);
    assert!(first.len() < 150_000, "{} bytes", first.len());
}

#[test]
fn overlaps_never_nest() {
    let text = "abcdefghijklmnop";
    let list = vec![
        mention("outer", "problem", "abcdefghij", 0, 10), // 0: kept
        mention("inner", "date", "defg", 3, 7),           // 1: inside 0
        mention("cross", "medication", "ijkl", 8, 12),    // 2: crosses 0's end
        mention("same", "allergy", "abcdefghij", 0, 10),  // 3: same span as 0
        mention("after", "date", "mn", 12, 14),           // 4: kept
        mention("short", "problem", "k", 10, 11),         // 5: kept, touches 0
        mention("past end", "problem", "x", 15, 17),      // 6: out of bounds
        mention("empty", "problem", "", 13, 13),          // 7: empty
        json!({"kind": "problem", "text": "no offsets"}), // 8
    ];
    let got = layout(text.chars().count(), &list);
    assert_eq!(
        got,
        Layout {
            marked: vec![(0, 10, 0), (10, 11, 5), (12, 14, 4)],
            skipped: vec![1, 2, 3, 6, 7, 8]
        }
    );
    // Longest first at the same start, whatever the input order.
    let swapped = vec![list[1].clone(), mention("from d", "problem", "defghi", 3, 9)];
    assert_eq!(layout(16, &swapped).marked, vec![(3, 9, 1)]);

    let mentions = mentions_obj(list);
    let bundle = empty_bundle();
    let html = render_report(
        "o",
        &[ReportNote {
            id: "o",
            text,
            mentions: &mentions,
            bundle: &bundle,
        }],
    );
    assert_eq!(
        marks(text_box(&html)),
        vec![(0, "abcdefghij".into()), (5, "k".into()), (4, "mn".into())]
    );
    assert!(text_box(&html).ends_with("</mark>op"));
    // Skipped mentions are still listed, so they can be inspected.
    let skipped = [
        (1, "date"),
        (2, "medication"),
        (3, "allergy"),
        (6, "problem"),
        (7, "problem"),
        (8, "problem"),
    ];
    for (i, kind) in skipped {
        let chip = format!("<button type=\"button\" class=\"m m-{kind}\" data-m=\"{i}\"");
        assert!(html.contains(&chip), "{chip}");
    }
}

#[test]
fn summary_counts() {
    let mut neg = mention("p2", "problem", "cough", 0, 5);
    neg["assertion"]["negated"] = json!(true);
    let a = mentions_obj(vec![
        mention("p1", "problem", "cough", 0, 5),
        neg,
        mention("m1", "medication", "Amoxicillin", 6, 17),
        mention("d1", "date", "3/7", 18, 21),
    ]);
    let b = mentions_obj(vec![
        mention("p1", "problem", "<fever>", 0, 5),
        mention("p2", "problem", "Asthma", 6, 8),
    ]);
    let bundle = empty_bundle();
    let notes = [
        ReportNote {
            id: "a",
            text: "cough amoxicillin 3/7",
            mentions: &a,
            bundle: &bundle,
        },
        ReportNote {
            id: "b",
            text: "fever as",
            mentions: &b,
            bundle: &bundle,
        },
    ];
    let html = render_report("s", &notes);
    assert!(html.contains("<b>2</b> notes · <b>6</b> mentions"));
    assert!(html.contains("<b>25%</b> (1 of 4)"));
    // Top problems: by count, then by name; names escaped.
    let cough = html.find("<th scope=\"row\">cough</th>").unwrap();
    let fever = html.find("<th scope=\"row\">&lt;fever&gt;</th>").unwrap();
    let asthma = html.find("<th scope=\"row\">Asthma</th>").unwrap();
    assert!(cough < fever && fever < asthma);
    assert!(html.contains("<th scope=\"row\">Problem</th><td class=\"n2f-track\"><div class=\"n2f-bar m-problem n2f-w100\"></div></td><td class=\"n2f-num\">4</td>"));
}

#[test]
fn empty_batch_and_odd_input() {
    let html = render_report("empty", &[]);
    assert!(html.contains("<b>0</b> notes · <b>0</b> mentions"));
    assert!(html.contains("<p class=\"n2f-none\">none</p></figure>"));
    assert_script_tags(&html, 0);
    // Not a mentions object, not a bundle, unknown kind: no panic, kind is
    // not copied into the class attribute.
    let odd = json!({"mentions": [{"kind": "\" onmouseover=\"alert(1)", "start": 0, "end": 1}]});
    let html = render_report(
        "odd",
        &[ReportNote {
            id: "x",
            text: "ab",
            mentions: &odd,
            bundle: &json!(null),
        }],
    );
    assert!(html.contains(
        "<mark class=\"m m-other\" data-m=\"0\" title=\"\" tabindex=\"0\" role=\"button\">a</mark>b"
    ));
    assert!(!html.contains("onmouseover=\"alert"));
    let html = render_report(
        "null",
        &[ReportNote {
            id: "x",
            text: "ab",
            mentions: &json!([]),
            bundle: &json!(3),
        }],
    );
    assert!(html.contains("<div class=\"n2f-text\">ab</div>"));
}

/// The `'sha256-…'` source of an inline element's exact text.
fn sha256_source(text: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The text between `open` and the next `close`.
fn between<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
    let start = html.find(open).expect("opening tag") + open.len();
    &html[start..start + html[start..].find(close).expect("closing tag")]
}

#[test]
fn csp_allows_only_the_pages_own_script_and_style_by_hash() {
    let mentions = mentions_obj(vec![mention("p1", "problem", "HTN", 0, 3)]);
    let bundle = empty_bundle();
    let note = ReportNote {
        id: "n",
        text: "HTN",
        mentions: &mentions,
        bundle: &bundle,
    };
    for (html, connect) in [
        (render_report("r", &[note]), "'none'"),
        (render_serve_page("HTN"), "'self'"),
    ] {
        let csp = between(
            &html,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"",
            "\"",
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(
            !csp.contains("unsafe-eval") && !csp.contains("unsafe-hashes"),
            "{csp}"
        );
        let script = between(&html, "<script>", "</script>");
        let style = between(&html, "<style>", "</style>");
        assert!(script.contains("use strict") && style.contains(".n2f-text"));
        assert!(
            csp.contains(&format!("script-src {};", sha256_source(script))),
            "the hash matches the inline script: {csp}"
        );
        assert!(
            csp.contains(&format!("style-src {};", sha256_source(style))),
            "the hash matches the inline style: {csp}"
        );
        assert!(csp.starts_with("default-src 'none';"), "{csp}");
        assert!(csp.contains(&format!("connect-src {connect};")), "{csp}");
        assert_eq!(csp, content_security_policy(connect));
        // Only one executable script, and no style attribute the policy would block.
        assert_eq!(count(&html, "<script>"), 1);
        assert_eq!(count(&html, " style="), 0);
        assert_eq!(count(&html, "<style"), 1);
    }
    assert_eq!(serve_page_csp(), content_security_policy("'self'"));
    // Known vector: SHA-256("abc").
    assert_eq!(
        sha256_source("abc"),
        "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='"
    );
    assert_eq!(csp_hash("abc"), sha256_source("abc"));
}

#[test]
fn bar_widths_are_classes_the_style_defines() {
    let style = &ASSETS.style;
    for pct in [0, 37, 100] {
        assert!(style.contains(&format!(".n2f-w{pct}{{width:{pct}%}}")), "{pct}");
    }
    assert!(!style.contains(".n2f-w101"));
}

/// A right-to-left override makes "nillicinep" display as "penicillin":
/// the override must be shown, not obeyed.
#[test]
fn bidi_overrides_and_invisible_characters_are_shown_not_obeyed() {
    let text = "Allergic to \u{202E}nillicinep\u{202C}. HTN. Peni\u{200B}cillin \u{2067}x\u{2069} \u{0}";
    let start = text.chars().position(|c| c == 'H').unwrap();
    let mentions = mentions_obj(vec![mention("p1", "problem", "HTN", start, start + 3)]);
    let bundle = empty_bundle();
    let html = render_report(
        "r",
        &[ReportNote {
            id: "id\u{202E}x",
            text,
            mentions: &mentions,
            bundle: &bundle,
        }],
    );
    assert!(
        !html.chars().any(escape::is_hidden),
        "a hidden character left in the page"
    );
    // The data block keeps the id as it is, escaped.
    assert!(html.contains(r#""note_id":"id\u202ex""#));
    assert_eq!(data_block(&html, 0)["note_id"], "id\u{202E}x");
    let boxed = text_box(&html);
    assert!(
        boxed.starts_with(
            "Allergic to <span class=\"n2f-cc\" title=\"hidden in the note: right-to-left override\">\
             ⟨U+202E⟩</span>nillicinep<span class=\"n2f-cc\" title=\"hidden in the note: pop directional \
             formatting\">⟨U+202C⟩</span>. <mark"
        ),
        "{boxed}"
    );
    assert!(boxed.contains(
        "Peni<span class=\"n2f-cc\" title=\"hidden in the note: zero width space\">⟨U+200B⟩</span>cillin"
    ));
    assert!(boxed.contains("⟨U+2067⟩</span>x<span") && boxed.contains("⟨U+0000⟩</span>"));
    // The id: a badge in the heading (isolated), text in the attribute.
    assert!(html.contains("<bdi>id<span class=\"n2f-cc\""));
    assert!(html.contains("aria-label=\"Note id⟨U+202E⟩x\""));
    // The note text, each mark and each badge are isolated from the text around them.
    assert!(ASSETS.style.contains("unicode-bidi: isolate; }\n/* A hidden"));
    assert!(ASSETS
        .style
        .contains(".n2f-cc { display: inline-block; unicode-bidi: isolate;"));
    assert!(ASSETS.style.contains("font: inherit; unicode-bidi: isolate; }"));
    // Marks stay on the right text; layout, tabs and newlines are untouched.
    assert_eq!(marks(boxed), vec![(0, "HTN".into())]);
    let mut shown = String::new();
    escape::push_shown(&mut shown, "a\tb\nc\r\nd é 😀 \u{FE0F}");
    assert_eq!(shown, "a\tb\nc\r\nd é 😀 \u{FE0F}");
}

#[test]
fn the_script_knows_the_same_hidden_characters() {
    // report.js's HIDDEN: a class of BMP ranges, then tag characters as
    // surrogate pairs \uDB40 + a class of low surrogates.
    let bmp = ranges(between(JS, "var HIDDEN = /[", "]|"), 0);
    let astral = ranges(between(JS, "]|\\uDB40[", "]/g;"), 0xE0000 - 0xDC00);
    let in_js = |cp: u32| bmp.iter().chain(&astral).any(|&(lo, hi)| lo <= cp && cp <= hi);
    for c in (0..=0x10FFFF).filter_map(char::from_u32) {
        let cp = u32::from(c);
        assert_eq!(escape::is_hidden(c), in_js(cp), "U+{cp:04X}");
    }
}

/// The `\uXXXX` and `\uXXXX-\uYYYY` items of a JS character class, plus
/// `offset`.
fn ranges(class: &str, offset: u32) -> Vec<(u32, u32)> {
    let hex = |s: &str| u32::from_str_radix(&s[..4], 16).unwrap() + offset;
    let mut out = Vec::new();
    let mut rest = class;
    while let Some(i) = rest.find("\\u") {
        let item = &rest[i + 2..];
        let lo = hex(item);
        let hi = item[4..].strip_prefix("-\\u").map_or(lo, hex);
        out.push((lo, hi));
        rest = if hi == lo { &item[4..] } else { &item[10..] };
    }
    out
}
