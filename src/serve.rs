//! `note2fhir serve`: the live demo page and a JSON API, on this machine.
//!
//! * `GET /`: the demo page (a text box prefilled with a sample note, a
//!   "Structure it" button, the highlighted note and its FHIR).
//! * `POST /api/extract[?format=bundle|mentions|both]`: a note in, as JSON
//!   (`Content-Type: application/json`, `{"text": …, "id"?: …, "date"?: …,
//!   "patient"?: …}`), and the Bundle (default), the mentions, or both
//!   (`{"mentions": …, "bundle": …}`) out.
//!
//! Binds 127.0.0.1 unless told otherwise, and warns loudly on stderr when
//! bound to anything else. Requests are served concurrently within the
//! limits of [`http::Limits`]; a note is limited to [`MAX_NOTE`] bytes.
//! Against other web pages the user visits: a request must name this server
//! in `Host` (a loopback name or the address it listens on: DNS rebinding
//! gets 403), an `Origin`, when sent, must be this server's own (403), and
//! the API takes only `application/json` (415), which a page of another
//! origin cannot send without a CORS preflight this server never grants.
//! A bad request gets a 4xx with `{"error": "…"}`; a panic while structuring
//! a note a 500 `{"error": "internal error"}`, and the server goes on.
//! Answers never carry local paths: `--dict` files are named by file name.

mod http;

use std::io::Write;
use std::net::{IpAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use http::{Request, Response};
use note2fhir::{Format, Note, Pipeline};

/// The largest note text accepted per request (the batch default is 5 MB).
const MAX_NOTE: usize = 256 << 10;

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
    let pipeline = build_pipeline(args)?;
    let listener = TcpListener::bind((args.addr.as_str(), args.port))
        .with_context(|| format!("cannot listen on {}:{}", args.addr, args.port))?;
    let bound = listener.local_addr().context("listening address")?;
    let mut stderr = std::io::stderr();
    writeln!(stderr, "note2fhir: serving on http://{bound}/")?;
    if let Some(warning) = exposure_warning(bound.ip()) {
        writeln!(stderr, "{warning}")?;
    }
    quiet_panics();
    let site = Site::new(bound.ip(), move |note, format| {
        pipeline.render(note, format).bytes
    });
    let handler: Arc<http::Handler> = Arc::new(move |request| site.handle(request));
    http::Server::new(listener, http::Limits::default()).run(handler)
}

/// The pipeline, with each `--dict` named by its file name only: the name
/// reaches answers (a mention's `explain.rule` is `name:line`).
fn build_pipeline(args: &ServeArgs) -> anyhow::Result<Pipeline> {
    let mut builder = Pipeline::builder();
    for path in &args.dict {
        let contents =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        builder = builder.dictionary(file_name(path), contents);
    }
    if let Some(date) = &args.note_date {
        builder = builder.note_date(date)?;
    }
    Ok(builder.build()?)
}

/// The last component of a path, without the folders above it.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| "dictionary".into(), |name| name.to_string_lossy().into_owned())
}

/// The warning for listening where other machines can connect, if so.
fn exposure_warning(ip: IpAddr) -> Option<String> {
    if ip.to_canonical().is_loopback() {
        return None;
    }
    Some(format!(
        "note2fhir: WARNING: {ip} is not a loopback address: anyone who can reach this machine\n\
         note2fhir: WARNING: can send notes to this demo server. It has no login and no TLS; notes\n\
         note2fhir: WARNING: cross the network in the clear. Use --addr 127.0.0.1 (the default)\n\
         note2fhir: WARNING: unless you mean to share the demo on a network you trust."
    ))
}

/// Report panics by place only: a panic message may quote the note.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map_or_else(|| "an unknown place".to_string(), |l| l.to_string());
        let _ = writeln!(
            std::io::stderr(),
            "note2fhir: internal error at {place} (details withheld: they may quote the note)"
        );
    }));
}

/// Turns a note into the bytes of `format`.
type Render = dyn Fn(&Note, Format) -> Vec<u8> + Send + Sync;

/// The demo's routes and rules.
struct Site {
    page: Vec<u8>,
    /// The address the server listens on (allowed in `Host`).
    bound: IpAddr,
    render: Box<Render>,
}

impl Site {
    fn new(bound: IpAddr, render: impl Fn(&Note, Format) -> Vec<u8> + Send + Sync + 'static) -> Site {
        Site {
            page: note2fhir::report::render_serve_page(SAMPLE_NOTE).into_bytes(),
            bound,
            render: Box::new(render),
        }
    }

    fn handle(&self, request: &Request) -> Response {
        if let Err(refusal) = self.check_caller(request) {
            return refusal;
        }
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", "/") => Response::new(200, "text/html; charset=utf-8", self.page.clone())
                .with_header("X-Frame-Options", "DENY"),
            (_, "/") => Response::error(405, "use GET for the page").with_header("Allow", "GET"),
            ("POST", "/api/extract") => self.extract(request),
            (_, "/api/extract") => Response::error(405, "use POST with a note").with_header("Allow", "POST"),
            _ => Response::error(
                404,
                "not found: the page is at / and the API at POST /api/extract",
            ),
        }
    }

    /// Refuse requests meant for another site (DNS rebinding) or sent by a
    /// page of another origin.
    fn check_caller(&self, request: &Request) -> Result<(), Response> {
        let mut hosts = request.headers_named("host");
        let (Some(host), None) = (hosts.next(), hosts.next()) else {
            return Err(Response::error(400, "a request needs one Host header field"));
        };
        if !host_allowed(host, self.bound, request.local.ip()) {
            return Err(Response::error(
                403,
                "this server answers only to localhost, 127.0.0.1, [::1] and the address it listens on",
            ));
        }
        match request.header("origin") {
            Some(origin) if !origin.eq_ignore_ascii_case(&format!("http://{host}")) => Err(Response::error(
                403,
                "cross-origin requests are refused: the Origin is another site",
            )),
            _ => Ok(()),
        }
    }

    fn extract(&self, request: &Request) -> Response {
        if !is_json(request.header("content-type")) {
            return Response::error(
                415,
                "send the note as JSON ({\"text\": …}) with Content-Type: application/json",
            );
        }
        let format = match request.query.split('&').find_map(|kv| kv.strip_prefix("format=")) {
            None | Some("bundle") => Format::Bundle,
            Some("mentions") => Format::Mentions,
            Some("both") => Format::Both,
            Some(_) => return Response::error(400, "format must be bundle, mentions or both"),
        };
        let note = match note_from_json(&request.body) {
            Ok(note) => note,
            Err(message) => return Response::error(400, &message),
        };
        if note.text.len() > MAX_NOTE {
            return Response::error(
                413,
                "the note is over 256 KB, this server's limit (note2fhir extract takes larger notes)",
            );
        }
        let mut bytes = (self.render)(&note, format);
        if format == Format::Both {
            // Only the two views: the page has the text already.
            let both: serde_json::Value = match serde_json::from_slice(&bytes) {
                Ok(v) => v,
                Err(_) => return Response::error(500, "internal error"),
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
        Response::new(200, content_type, bytes)
    }
}

/// Whether a `Host` names this server: `localhost`, a loopback address, the
/// address it listens on, or the local address the client reached (an
/// address, never a name, so a rebound DNS name fails). Any port: port
/// forwarding changes it.
fn host_allowed(host: &str, bound: IpAddr, local: IpAddr) -> bool {
    let split = if host.starts_with('[') {
        host.find(']').map_or(host.len(), |i| i + 1)
    } else {
        host.find(':').unwrap_or(host.len())
    };
    let (name, port) = host.split_at(split);
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let name = name.to_ascii_lowercase();
    let ip = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(&name);
    let ip = ip.parse::<IpAddr>().ok().map(|ip| ip.to_canonical());
    port_ok
        && (name == "localhost"
            || ip.is_some_and(|ip| {
                ip.is_loopback() || ip == bound.to_canonical() || ip == local.to_canonical()
            }))
}

/// Whether a `Content-Type` is `application/json` (any parameters).
fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
    })
}

fn note_from_json(body: &[u8]) -> Result<Note, String> {
    let body = std::str::from_utf8(body).map_err(|_| "the request body is not UTF-8".to_string())?;
    let value: serde_json::Value = serde_json::from_str(body)
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

#[cfg(test)]
mod tests;
