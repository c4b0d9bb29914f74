//! The demo's rules, with an injected extractor: who may call, what a note
//! may be, and a panic while extracting.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

use super::*;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A site whose extractor answers `{"text": <the note's length>}` and
/// panics on a note saying "boom".
fn site() -> Site {
    Site::new(LOOPBACK, |note, _| {
        assert!(note.text != "boom", "a bug");
        format!("{{\"length\":{}}}", note.text.len()).into_bytes()
    })
}

fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Request {
    Request {
        method: method.into(),
        path: path.into(),
        query: String::new(),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.to_vec(),
        local: SocketAddr::new(LOOPBACK, 8080),
    }
}

const HOST: (&str, &str) = ("Host", "127.0.0.1:8080");
const JSON: (&str, &str) = ("Content-Type", "application/json");

fn answer(response: &Response) -> (u16, String) {
    (
        response.status,
        String::from_utf8_lossy(&response.body).into_owned(),
    )
}

#[test]
fn hosts_other_than_this_server_are_refused() {
    let bound: IpAddr = "192.168.1.20".parse().unwrap();
    let local: IpAddr = "10.0.0.7".parse().unwrap();
    for host in [
        "localhost",
        "LOCALHOST:8080",
        "127.0.0.1:8080",
        "127.0.0.1",
        "[::1]:9000",
        "[0:0:0:0:0:0:0:1]",
        "192.168.1.20:8080",
        "10.0.0.7:8080",
    ] {
        assert!(host_allowed(host, bound, local), "{host}");
    }
    for host in [
        "",
        "evil.example",
        "evil.example:8080",
        "localhost.evil.example:8080",
        "127.0.0.1.evil.example",
        "localhost:",
        "localhost:80x",
        "localhost:8080@evil.example",
        "[::1",
        "[::1]x",
        "10.0.0.8:8080",
        "0.0.0.0:8080",
    ] {
        assert!(!host_allowed(host, bound, local), "{host}");
    }
    // Bound to every address: any address the client reached is fine, a
    // name other than localhost is not.
    let any = IpAddr::V6(Ipv6Addr::UNSPECIFIED);
    let mapped: IpAddr = "::ffff:10.0.0.7".parse().unwrap();
    assert!(host_allowed("10.0.0.7:8080", any, mapped));
    assert!(host_allowed("[::]:8080", any, mapped));
    assert!(!host_allowed("attacker.example:8080", any, mapped));
}

#[test]
fn callers_from_elsewhere_are_refused() {
    let site = site();
    let note = br#"{"text":"SOB"}"#;
    let post = |headers: &[(&str, &str)], body: &[u8]| {
        answer(&site.handle(&request("POST", "/api/extract", headers, body)))
    };
    assert_eq!(post(&[HOST, JSON], note), (200, r#"{"length":3}"#.into()));
    // DNS rebinding: the page's own name in Host.
    let (status, error) = post(&[("Host", "attacker.example:8080"), JSON], note);
    assert_eq!(status, 403);
    assert!(error.contains("answers only to localhost"), "{error}");
    assert_eq!(post(&[JSON], note).0, 400);
    assert_eq!(post(&[HOST, HOST, JSON], note).0, 400);
    // A page of another origin: refused whatever it sends.
    for origin in [
        "http://attacker.example",
        "null",
        "http://localhost:8080",
        "https://127.0.0.1:8080",
    ] {
        let (status, error) = post(&[HOST, JSON, ("Origin", origin)], note);
        assert_eq!(status, 403, "{origin}");
        assert!(error.contains("cross-origin"), "{error}");
    }
    assert_eq!(
        post(&[HOST, JSON, ("Origin", "http://127.0.0.1:8080")], note).0,
        200
    );
    // The form a page can send without asking: not JSON, refused.
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let (status, error) = post(&[HOST, ("Content-Type", content_type)], note);
        assert_eq!(status, 415, "{content_type}");
        assert!(error.contains("application/json"), "{error}");
    }
    assert_eq!(post(&[HOST], note).0, 415);
    assert_eq!(
        post(&[HOST, ("Content-Type", "Application/JSON; charset=utf-8")], note).0,
        200
    );
    // The page itself, and a foreign Origin on it.
    let get = |headers: &[(&str, &str)]| site.handle(&request("GET", "/", headers, b"")).status;
    assert_eq!(get(&[HOST]), 200);
    assert_eq!(get(&[("Host", "attacker.example")]), 403);
    assert_eq!(get(&[HOST, ("Origin", "http://attacker.example")]), 403);
}

#[test]
fn a_note_over_256_kb_is_refused() {
    let site = site();
    let post = |text: String| {
        let body = serde_json::json!({ "text": text }).to_string();
        answer(&site.handle(&request("POST", "/api/extract", &[HOST, JSON], body.as_bytes())))
    };
    assert_eq!(
        post("a".repeat(MAX_NOTE)),
        (200, format!("{{\"length\":{MAX_NOTE}}}"))
    );
    let (status, error) = post("a".repeat(MAX_NOTE + 1));
    assert_eq!(status, 413);
    assert!(error.contains("over 256 KB"), "{error}");
    // The limit is on the note, not the JSON: escapes do not count.
    assert_eq!(post("\n".repeat(MAX_NOTE)).0, 200);
}

#[test]
fn the_request_body_must_be_utf8_json() {
    let site = site();
    for (body, error) in [
        (&b"\xff\xfe"[..], "not UTF-8"),
        (b"{not json", "invalid JSON at line 1, column 2"),
        (b"[1]", "expected a JSON object"),
        (b"{\"id\":\"x\"}", "missing field \"text\""),
        (b"{\"text\":1}", "\"text\" must be a string"),
        (
            b"{\"text\":\"x\",\"id\":\"\"}",
            "\"id\" must be a non-empty string",
        ),
    ] {
        let (status, got) = answer(&site.handle(&request("POST", "/api/extract", &[HOST, JSON], body)));
        assert_eq!(status, 400);
        let got: serde_json::Value = serde_json::from_str(&got).unwrap();
        assert!(
            got["error"].as_str().unwrap().contains(error),
            "{got} lacks {error}"
        );
    }
}

#[test]
fn a_panic_while_extracting_is_a_500_and_the_server_stays_up() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let site = site();
    let handler: Arc<http::Handler> = Arc::new(move |request| site.handle(request));
    std::thread::spawn(move || http::Server::new(listener, http::Limits::default()).run(handler));
    let post = |text: &str| {
        let body = serde_json::json!({ "text": text }).to_string();
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        write!(
            stream,
            "POST /api/extract HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    let answer = post("boom");
    assert!(answer.starts_with("HTTP/1.1 500 "), "{answer}");
    assert!(
        answer.ends_with("\r\n\r\n{\"error\":\"internal error\"}"),
        "{answer}"
    );
    // Alive, and answering.
    let answer = post("chest pain");
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    assert!(answer.ends_with("{\"length\":10}"), "{answer}");
}

#[test]
fn only_a_dictionary_file_name_reaches_answers() {
    assert_eq!(
        file_name(Path::new("/home/alice/private/custom.tsv")),
        "custom.tsv"
    );
    assert_eq!(file_name(Path::new("custom.tsv")), "custom.tsv");
    assert_eq!(file_name(Path::new("/")), "dictionary");
}

#[test]
fn a_bind_off_loopback_is_warned_about() {
    for ip in ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"] {
        assert_eq!(exposure_warning(ip.parse().unwrap()), None, "{ip}");
    }
    for ip in ["0.0.0.0", "::", "192.168.1.20", "10.1.2.3"] {
        let warning = exposure_warning(ip.parse().unwrap()).unwrap();
        assert!(
            warning.starts_with(&format!("note2fhir: WARNING: {ip} is not a loopback address")),
            "{warning}"
        );
    }
}
