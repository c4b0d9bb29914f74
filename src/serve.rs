//! `note2fhir serve`: the live demo page and a JSON API, on this machine.
//!
//! * `GET /`: the demo page (a text box prefilled with a sample note, a
//!   "Structure it" button, the highlighted note and its FHIR).
//! * `POST /api/extract[?format=bundle|mentions|both]`: a note in — JSON
//!   `{"text": …, "id"?: …, "date"?: …, "patient"?: …}`, or the note itself
//!   as `text/plain` — and the Bundle (default), the mentions, or both
//!   (`{"mentions": …, "bundle": …}`) out.
//!
//! Binds 127.0.0.1 unless told otherwise. A body over 1 MB is refused with
//! 413; a bad request gets a 4xx with `{"error": "…"}`. Requests are served
//! one at a time: this is a demo, not a production server.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use note2fhir::{Format, Note, Pipeline};
use tiny_http::{Header, Method, Request, Response, Server};

/// The largest request body accepted.
const MAX_BODY: usize = 1 << 20;

/// The note the page starts with.
const SAMPLE_NOTE: &str = include_str!("../fixtures/notes/skeleton/admission_clerking.txt");

/// Arguments of `note2fhir serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The address to listen on. Anything but a loopback address exposes the
    /// demo to the network.
    #[arg(long, default_value = "127.0.0.1")]
    addr: String,
    /// The port (0: any free port; the chosen one is printed on stderr).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The date of notes that give none (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD")]
    note_date: Option<String>,
    /// Add a dictionary (TSV). Repeatable.
    #[arg(long = "dict", value_name = "FILE")]
    dict: Vec<PathBuf>,
}

/// Run the server until it is stopped.
pub fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let mut builder = Pipeline::builder();
    for path in &args.dict {
        builder = builder.dictionary_file(path)?;
    }
    if let Some(date) = &args.note_date {
        builder = builder.note_date(date)?;
    }
    let pipeline = builder.build()?;
    let page = note2fhir::report::render_serve_page(SAMPLE_NOTE);
    let server = Server::http((args.addr.as_str(), args.port))
        .map_err(|e| anyhow::anyhow!("cannot listen on {}:{}: {e}", args.addr, args.port))?;
    let addr = server.server_addr().to_ip().context("listening address")?;
    writeln!(std::io::stderr(), "note2fhir: serving on http://{addr}/")?;
    for request in server.incoming_requests() {
        let _ = handle(&pipeline, &page, request);
    }
    Ok(ExitCode::SUCCESS)
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

fn json_error(status: u16, message: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let body = serde_json::json!({ "error": message }).to_string();
    Response::from_data(body.into_bytes())
        .with_status_code(status)
        .with_header(header("Content-Type", "application/json"))
}

fn handle(pipeline: &Pipeline, page: &str, mut request: Request) -> std::io::Result<()> {
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let response = match (request.method(), path) {
        (Method::Get, "/") => Response::from_data(page.as_bytes().to_vec())
            .with_header(header("Content-Type", "text/html; charset=utf-8"))
            .with_header(header("X-Content-Type-Options", "nosniff")),
        (_, "/") => json_error(405, "use GET for the page"),
        (Method::Post, "/api/extract") => extract(pipeline, &mut request, query),
        (_, "/api/extract") => json_error(405, "use POST with a note"),
        _ => json_error(
            404,
            "not found: the page is at / and the API at POST /api/extract",
        ),
    };
    request.respond(response)
}

fn extract(pipeline: &Pipeline, request: &mut Request, query: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    if request.body_length().is_some_and(|n| n > MAX_BODY) {
        return json_error(413, "the request body is over 1 MB");
    }
    let mut body = Vec::new();
    if request
        .as_reader()
        .take(MAX_BODY as u64 + 1)
        .read_to_end(&mut body)
        .is_err()
    {
        return json_error(400, "could not read the request body");
    }
    if body.len() > MAX_BODY {
        return json_error(413, "the request body is over 1 MB");
    }
    let format = match query.split('&').find_map(|kv| kv.strip_prefix("format=")) {
        None | Some("bundle") => Format::Bundle,
        Some("mentions") => Format::Mentions,
        Some("both") => Format::Both,
        Some(_) => return json_error(400, "format must be bundle, mentions or both"),
    };
    let is_json = request.headers().iter().any(|h| {
        h.field.equiv("Content-Type")
            && h.value
                .as_str()
                .to_ascii_lowercase()
                .starts_with("application/json")
    });
    let note = if is_json {
        match note_from_json(&body) {
            Ok(note) => note,
            Err(message) => return json_error(400, &message),
        }
    } else {
        match String::from_utf8(body) {
            Ok(text) => Note::new("demo", text),
            Err(_) => return json_error(400, "the note is not UTF-8"),
        }
    };
    let rendered = pipeline.render(&note, format);
    let mut bytes = rendered.bytes;
    if format == Format::Both {
        // Only the two views: the page has the text already.
        let both: serde_json::Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(_) => return json_error(500, "internal error"),
        };
        bytes = serde_json::json!({"mentions": both["mentions"], "bundle": both["bundle"]})
            .to_string()
            .into_bytes();
    }
    let content_type = if format == Format::Bundle {
        "application/fhir+json"
    } else {
        "application/json"
    };
    Response::from_data(bytes).with_header(header("Content-Type", content_type))
}

fn note_from_json(body: &[u8]) -> Result<Note, String> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| format!("invalid JSON at line {}, column {}", e.line(), e.column()))?;
    let obj = value
        .as_object()
        .ok_or("expected a JSON object with a \"text\" field")?;
    let text = match obj.get("text") {
        Some(serde_json::Value::String(t)) => t.clone(),
        Some(_) => return Err("\"text\" must be a string".into()),
        None => return Err("missing field \"text\"".into()),
    };
    let id = match obj.get("id") {
        None | Some(serde_json::Value::Null) => "demo".to_string(),
        Some(serde_json::Value::String(id)) if !id.is_empty() => id.clone(),
        Some(_) => return Err("\"id\" must be a non-empty string".into()),
    };
    let mut note = Note::new(id, text);
    if let Some(date) = obj.get("date").and_then(|d| d.as_str()) {
        note = note
            .with_date(date)
            .map_err(|reason| format!("\"date\": {reason}"))?;
    }
    if let Some(patient) = obj.get("patient").and_then(|p| p.as_str()) {
        note.patient = Some(patient.to_string());
    }
    Ok(note)
}
