//! The demo server's API, against a server started on a loopback port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// A server on a free loopback port, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start() -> Server {
        Server::start_with(&[])
    }

    fn start_with(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_note2fhir"))
            .args(["serve", "--port", "0", "--note-date", "2025-03-12"])
            .args(args)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        Server { child, port }
    }

    /// A connection that gives up after a minute.
    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        stream.set_write_timeout(Some(Duration::from_secs(60))).unwrap();
        stream
    }

    /// Send a raw HTTP/1.1 request; the status and body.
    fn request(&self, method: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, Vec<u8>) {
        self.request_with(method, path, &[("Content-Type", content_type)], body)
    }

    /// Send a request with these header fields (and `Host: localhost` unless
    /// they give one).
    fn request_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, Vec<u8>) {
        let mut head = format!("{method} {path} HTTP/1.1\r\n");
        if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
            head.push_str("Host: localhost\r\n");
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ));
        let mut stream = self.connect();
        stream.write_all(head.as_bytes()).unwrap();
        let _ = stream.write_all(body);
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let status = String::from_utf8_lossy(&response[9..12]).parse().unwrap();
        (status, response[split + 4..].to_vec())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

#[test]
fn api_answers_notes_and_refuses_bad_requests() {
    let server = Server::start();
    let (status, page) = server.request("GET", "/", "text/plain", b"");
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("Structure it") && page.contains("<textarea"));

    let note = br#"{"id":"t1","text":"No chest pain. ?PE. Started apixaban 5mg BD."}"#;
    let (status, body) = server.request("POST", "/api/extract", "application/json", note);
    assert_eq!(status, 200);
    let bundle = json(&body);
    assert_eq!(bundle["resourceType"], "Bundle");
    let (status, body) = server.request("POST", "/api/extract?format=mentions", "application/json", note);
    assert_eq!(status, 200);
    let mentions = json(&body);
    assert_eq!(mentions["note_id"], "t1");
    assert_eq!(mentions["note_date"], "2025-03-12");
    assert_eq!(mentions["mentions"][0]["assertion"]["negated"], true);
    let (status, body) = server.request(
        "POST",
        "/api/extract?format=both",
        "application/json",
        br#"{"text":"SOB. AF."}"#,
    );
    assert_eq!(status, 200);
    let both = json(&body);
    assert_eq!(both["mentions"]["mentions"].as_array().unwrap().len(), 2);
    assert_eq!(both["bundle"]["type"], "collection");

    for (content_type, body, status, error) in [
        ("application/json", &b"{not json"[..], 400, "invalid JSON"),
        (
            "application/json",
            b"{\"id\":\"x\"}",
            400,
            "missing field \"text\"",
        ),
        ("application/json", b"[1]", 400, "expected a JSON object"),
        ("application/json", b"\xff\xfe", 400, "not UTF-8"),
    ] {
        let (got, reply) = server.request("POST", "/api/extract", content_type, body);
        assert_eq!(got, status);
        assert!(json(&reply)["error"].as_str().unwrap().contains(error), "{error}");
    }
    let (status, _) = server.request("POST", "/api/extract?format=xml", "application/json", b"{}");
    assert_eq!(status, 400);
    let big = vec![b'a'; (1 << 20) + 10];
    let (status, reply) = server.request("POST", "/api/extract", "application/json", &big);
    assert_eq!(status, 413);
    assert!(json(&reply)["error"].as_str().unwrap().contains("1 MB"));
    let (status, _) = server.request("GET", "/api/extract", "text/plain", b"");
    assert_eq!(status, 405);
    let (status, _) = server.request("GET", "/elsewhere", "text/plain", b"");
    assert_eq!(status, 404);
}

#[test]
fn served_note_text_is_never_markup() {
    let server = Server::start();
    let evil =
        r#"{"text":"<script>alert(1)</script> </script> <!-- \"><img src=x onerror=alert(1)> chest pain"}"#;
    let (status, body) = server.request(
        "POST",
        "/api/extract?format=both",
        "application/json",
        evil.as_bytes(),
    );
    assert_eq!(status, 200);
    // JSON, served as JSON: the page puts it in text nodes only.
    let both = json(&body);
    assert_eq!(both["mentions"]["mentions"][0]["text"], "chest pain");
    let (_, page) = server.request("GET", "/", "text/plain", b"");
    let page = String::from_utf8(page).unwrap();
    assert!(!page.contains("innerHTML"));
}

fn error_of(reply: &[u8]) -> String {
    json(reply)["error"].as_str().unwrap().to_string()
}

#[test]
fn a_stalled_client_blocks_nobody() {
    let server = Server::start();
    // Promises 100,000 bytes, sends 10, then waits.
    let mut stalled = server.connect();
    stalled
        .write_all(
            b"POST /api/extract HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
              Content-Length: 100000\r\n\r\n{\"text\":\"a",
        )
        .unwrap();
    // Asks for a 12 MB answer and never reads it.
    let note = serde_json::json!({ "text": "Chest pain. AF. Asthma. ".repeat(4000) }).to_string();
    let mut lazy = server.connect();
    let head = format!(
        "POST /api/extract HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        note.len()
    );
    lazy.write_all(head.as_bytes()).unwrap();
    lazy.write_all(note.as_bytes()).unwrap();
    // Meanwhile another client is answered.
    let (status, body) = server.request(
        "POST",
        "/api/extract?format=mentions",
        "application/json",
        br#"{"text":"SOB. AF."}"#,
    );
    assert_eq!(status, 200);
    assert_eq!(json(&body)["mentions"].as_array().unwrap().len(), 2);
    // The stalled client is still given its time: no answer yet.
    stalled.set_nonblocking(true).unwrap();
    let err = stalled.read(&mut [0u8; 16]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    drop(lazy);
}

#[test]
fn oversized_heads_other_sites_and_big_notes_are_refused() {
    let server = Server::start();
    let port = server.port;
    let note = br#"{"text":"SOB. AF."}"#;
    let json_ct = ("Content-Type", "application/json");
    // Header limits: 16 KB in all, 64 fields.
    let big = "a".repeat(20_000);
    let (status, reply) = server.request_with("GET", "/", &[("X-Big", &big)], b"");
    assert_eq!(status, 431);
    assert_eq!(error_of(&reply), "the request head is over 16 KB");
    let names: Vec<String> = (0..100).map(|i| format!("X-{i}")).collect();
    let many: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "a")).collect();
    let (status, reply) = server.request_with("GET", "/", &many, b"");
    assert_eq!(status, 431);
    assert_eq!(error_of(&reply), "more than 64 header fields");
    // DNS rebinding: a page at attacker.example, resolved to 127.0.0.1.
    let rebound = format!("attacker.example:{port}");
    let (status, reply) = server.request_with("POST", "/api/extract", &[("Host", &rebound), json_ct], note);
    assert_eq!(status, 403);
    assert!(error_of(&reply).contains("answers only to localhost"));
    assert_eq!(server.request_with("GET", "/", &[("Host", &rebound)], b"").0, 403);
    // Another page's no-cors POST: text/plain, with its Origin.
    let foreign = ("Origin", "http://attacker.example");
    let (status, reply) = server.request_with(
        "POST",
        "/api/extract",
        &[("Content-Type", "text/plain"), foreign],
        b"SOB",
    );
    assert_eq!(status, 403);
    assert!(error_of(&reply).contains("cross-origin"));
    let (status, reply) = server.request("POST", "/api/extract", "text/plain", b"SOB");
    assert_eq!(status, 415);
    assert!(error_of(&reply).contains("Content-Type: application/json"));
    assert_eq!(
        server
            .request_with("POST", "/api/extract", &[json_ct, foreign], note)
            .0,
        403
    );
    // The page's own requests.
    let own_host = format!("127.0.0.1:{port}");
    let own_origin = format!("http://127.0.0.1:{port}");
    let own = [
        ("Host", own_host.as_str()),
        ("Origin", own_origin.as_str()),
        json_ct,
    ];
    assert_eq!(server.request_with("POST", "/api/extract", &own, note).0, 200);
    // A note over 256 KB, in a body under 1 MB.
    let long = serde_json::json!({ "text": "a".repeat((256 << 10) + 1) }).to_string();
    let (status, reply) = server.request("POST", "/api/extract", "application/json", long.as_bytes());
    assert_eq!(status, 413);
    assert!(error_of(&reply).contains("over 256 KB"));
}

#[test]
fn answers_carry_no_local_paths() {
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("custom.tsv");
    std::fs::write(
        &dict,
        "term\tkind\tdisplay\tsystem\tcode\tcase\tchronic\talso\tflags\n\
         zorbitol\tmedication\tZorbitol\thttp://snomed.info/sct\t123456\ti\tno\t\t\n",
    )
    .unwrap();
    let server = Server::start_with(&["--dict", dict.to_str().unwrap()]);
    let note = br#"{"text":"Started zorbitol 5mg OD."}"#;
    let (status, body) = server.request("POST", "/api/extract?format=mentions", "application/json", note);
    assert_eq!(status, 200);
    assert_eq!(json(&body)["mentions"][0]["explain"]["rule"], "custom.tsv:2");
    let folder = dir.path().to_str().unwrap();
    for format in ["bundle", "mentions", "both"] {
        let path = format!("/api/extract?format={format}");
        let (status, body) = server.request("POST", &path, "application/json", note);
        assert_eq!(status, 200);
        assert!(!String::from_utf8_lossy(&body).contains(folder), "{format}");
    }
}
