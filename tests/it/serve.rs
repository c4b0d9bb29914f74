//! The demo server's API, against a server started on a loopback port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A server on a free loopback port, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_note2fhir"))
            .args(["serve", "--port", "0", "--note-date", "2025-03-12"])
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

    /// Send a raw HTTP/1.1 request; the status and body.
    fn request(&self, method: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
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
        "text/plain",
        "SOB. AF.".as_bytes(),
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
        ("text/plain", b"\xff\xfe", 400, "not UTF-8"),
    ] {
        let (got, reply) = server.request("POST", "/api/extract", content_type, body);
        assert_eq!(got, status);
        assert!(json(&reply)["error"].as_str().unwrap().contains(error), "{error}");
    }
    let (status, _) = server.request("POST", "/api/extract?format=xml", "text/plain", b"x");
    assert_eq!(status, 400);
    let big = vec![b'a'; (1 << 20) + 10];
    let (status, reply) = server.request("POST", "/api/extract", "text/plain", &big);
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
