//! Bounded reading: the note-size limit while reading pipes, devices and
//! decompressed bytes, CSV fields, `.txt.gz`, `--max-errors`, the stderr cap
//! and an unclosed CSV quote.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn note2fhir(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_note2fhir"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap()
}

/// Run under a 400 MB data limit (about three times what a run needs): a
/// reader that holds an input whole aborts here instead of eating the machine.
#[cfg(target_os = "linux")]
fn note2fhir_capped(args: &[&str]) -> Output {
    Command::new("sh")
        .args(["-c", "ulimit -d 400000 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_note2fhir"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A small gzip file expanding to `head`, `mb` MB of `filler`, then `tail`
/// (concatenated gzip members, as `cat a.gz b.gz` makes).
fn gzip_bomb(path: &Path, head: &[u8], filler: u8, mb: usize, tail: &[u8]) {
    let block = gzip(&vec![filler; 1 << 20]);
    let mut file = gzip(head);
    for _ in 0..mb {
        file.extend_from_slice(&block);
    }
    file.extend_from_slice(&gzip(tail));
    std::fs::write(path, file).unwrap();
}

#[cfg(unix)]
#[test]
fn a_fifo_behind_a_txt_name_is_read_only_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("piped.txt");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let writer_path = fifo.clone();
    // Not joined: it ends when the reader closes the pipe.
    std::thread::spawn(move || {
        let mut pipe = std::fs::OpenOptions::new().write(true).open(writer_path).unwrap();
        let chunk = "HTN. ".repeat(20_000);
        for _ in 0..40 {
            if pipe.write_all(chunk.as_bytes()).is_err() {
                return;
            }
        }
    });
    let out = note2fhir(&[
        "extract",
        fifo.to_str().unwrap(),
        "--format",
        "mentions",
        "--max-note-bytes",
        "1000",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("piped.txt: note \"piped\": note is over the limit of 1000 bytes"),
        "{err}"
    );
    assert!(err.contains("1 records: 0 converted, 1 rejected"), "{err}");
    assert!(out.stdout.is_empty());
}

#[cfg(target_os = "linux")]
#[test]
fn dev_zero_behind_a_txt_name_is_refused_not_held() {
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("zero.txt");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let out = note2fhir_capped(&[
        "extract",
        zero.to_str().unwrap(),
        "--max-note-bytes",
        "1000",
        "-j1",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("zero.txt: note \"zero\": note is over the limit of 1000 bytes (reading stopped there)"),
        "{err}"
    );
}

#[test]
fn txt_gz_is_decompressed_and_its_limit_applies_to_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let note = dir.path().join("ward.txt.gz");
    std::fs::write(&note, gzip(b"\xEF\xBB\xBFNo SOB. HTN.")).unwrap();
    let out = note2fhir(&["extract", note.to_str().unwrap(), "--format", "mentions"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got = lines(&out);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["note_id"], "ward");
    let texts: Vec<&str> = got[0]["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["SOB", "HTN"]);

    // 8 MB of text in a small file: the limit counts decompressed bytes.
    let big = dir.path().join("big.txt.gz");
    gzip_bomb(&big, b"", b'x', 8, b"");
    assert!(std::fs::metadata(&big).unwrap().len() < 100_000);
    let out = note2fhir(&["extract", big.to_str().unwrap(), "--max-note-bytes", "1000000"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("big.txt.gz: note \"big\": note is over the limit of 1000000 bytes"),
        "{err}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_csv_gzip_bomb_is_rejected_with_bounded_memory_and_the_next_row_read() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.csv.gz");
    // 200 MB in one quoted field (and a quoted comma and line break after
    // it, so resuming at the next row needs the quotes parsed).
    gzip_bomb(
        &bomb,
        b"id,text\nbig,\"",
        b'x',
        200,
        b",\n\"\nafter,\"HTN, AF\"\n",
    );
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1_000_000);
    let out = note2fhir_capped(&[
        "extract",
        bomb.to_str().unwrap(),
        "--format",
        "mentions",
        "--max-note-bytes",
        "100000",
        "-j1",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("bomb.csv.gz:2: note \"big\": note is 209715202 bytes, over the limit of 100000"),
        "{err}"
    );
    let got = lines(&out);
    assert_eq!(got.len(), 1, "{err}");
    assert_eq!(got[0]["note_id"], "after");
    assert!(err.contains("2 records: 1 converted, 1 rejected"), "{err}");
}

#[test]
fn an_unclosed_csv_quote_is_rejected_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("open.csv");
    // A legitimate multi-line quoted note, then a quote left open.
    std::fs::write(
        &csv,
        "id,text\nfirst,\"AF.\nHTN, on ramipril\"\nsecond,\"No known allergies\nthird,asthma\nfourth,COPD\n",
    )
    .unwrap();
    let out = note2fhir(&["extract", csv.to_str().unwrap(), "--format", "mentions"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "open.csv:4: unclosed quote: a quoted field opened in this row runs to the end of the file"
        ),
        "{err}"
    );
    let got = lines(&out);
    assert_eq!(got.len(), 1, "{err}");
    assert_eq!(got[0]["note_id"], "first");
    // Nothing of the later rows is coded under another note.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("asthma"));
    assert!(err.contains("2 records: 1 converted, 1 rejected"), "{err}");
}

#[test]
fn max_errors_stops_a_run_of_blank_lines_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("blank.jsonl.gz");
    gzip_bomb(&input, b"{\"id\":\"a\",\"text\":\"HTN\"}\n", b'\n', 64, b"");
    let errors = dir.path().join("errors.jsonl");
    let out = note2fhir(&[
        "extract",
        input.to_str().unwrap(),
        "--format",
        "mentions",
        "--max-errors",
        "250",
        "--errors",
        errors.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    let got = lines(&out);
    assert_eq!(got.len(), 1, "the output so far is kept, whole lines only");
    assert_eq!(got[0]["note_id"], "a");
    assert!(
        err.contains("251 records: 1 converted, 250 rejected")
            && err.contains("stopped early at --max-errors"),
        "{err}"
    );
    let kept = std::fs::read_to_string(&errors).unwrap();
    assert_eq!(kept.lines().count(), 250, "the errors file keeps them all");
    // stderr shows 100 of them and counts the rest.
    assert_eq!(err.matches(": blank line: no record").count(), 100, "{err}");
    assert!(
        err.contains("… 150 more 'blank-line' errors suppressed (--errors FILE keeps them all)"),
        "{err}"
    );

    let zero = note2fhir(&["extract", input.to_str().unwrap(), "--max-errors", "0"]);
    assert_eq!(zero.status.code(), Some(1));
    assert!(stderr(&zero).contains("--max-errors must be at least 1"));
}

#[test]
fn the_stderr_cap_counts_each_kind_of_error_apart() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mixed.jsonl");
    let mut text = String::new();
    for i in 0..130 {
        text.push_str("\n[1]\n");
        text.push_str(&format!("{{\"id\":\"n{i}\",\"text\":\"HTN\"}}\n"));
    }
    std::fs::write(&input, text).unwrap();
    let out = note2fhir(&["extract", input.to_str().unwrap(), "--format", "mentions"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(lines(&out).len(), 130);
    assert_eq!(err.matches(": blank line: no record").count(), 100, "{err}");
    assert_eq!(
        err.matches(": invalid JSON (not an object)").count(),
        100,
        "{err}"
    );
    assert!(err.contains("… 30 more 'blank-line' errors suppressed"), "{err}");
    assert!(
        err.contains("… 30 more 'invalid-json' errors suppressed"),
        "{err}"
    );
    assert!(err.contains("390 records: 130 converted, 260 rejected"), "{err}");
}
