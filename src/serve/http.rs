//! A small HTTP/1.1 server on `std::net` for the demo: one request per
//! connection (every answer says `Connection: close`), a thread per
//! connection up to a cap, and a limit on everything a client controls.
//!
//! [`Limits`] bounds the time to send the first byte (idle), the whole
//! request (read) and to take the whole answer (write); the size of the head
//! (request line and header fields), their number, and the body. A client
//! that stalls holds only its own thread, and only until its deadline. Over
//! the connection cap a new connection waits in the listen queue until one
//! ends. A request with a
//! `Transfer-Encoding` is refused (501): bodies need a `Content-Length`.
//!
//! A panic in the handler becomes a 500 answer `{"error": "internal error"}`;
//! the server goes on.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// What one client may take of the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// From connecting to the first byte of the request.
    pub idle: Duration,
    /// From connecting to the last byte of the request (head and body).
    pub read: Duration,
    /// For the client to take the whole answer.
    pub write: Duration,
    /// Bytes of the request line and header fields together.
    pub max_head: usize,
    /// Header fields.
    pub max_headers: usize,
    /// Bytes of the body.
    pub max_body: usize,
    /// Connections served at once; more wait.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            idle: Duration::from_secs(5),
            read: Duration::from_secs(15),
            write: Duration::from_secs(15),
            max_head: 16 << 10,
            max_headers: 64,
            max_body: 1 << 20,
            max_connections: 32,
        }
    }
}

/// A whole request, body read.
#[derive(Debug)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, before any `?`.
    pub path: String,
    /// What follows the `?` ("" if none).
    pub query: String,
    /// Header fields in order, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body (`Content-Length` bytes).
    pub body: Vec<u8>,
    /// The local address the client connected to.
    pub local: SocketAddr,
}

impl Request {
    /// The values of the header fields called `name` (any case).
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first header field called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An answer.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// More header fields.
    pub headers: Vec<(&'static str, &'static str)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// An answer with a body.
    pub fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type,
            headers: Vec::new(),
            body,
        }
    }

    /// A JSON error answer `{"error": message}`.
    pub fn error(status: u16, message: &str) -> Response {
        let body = serde_json::json!({ "error": message }).to_string();
        Response::new(status, "application/json", body.into_bytes())
    }

    /// The same answer with one more header field.
    pub fn with_header(mut self, name: &'static str, value: &'static str) -> Response {
        self.headers.push((name, value));
        self
    }
}

/// What answers requests.
pub type Handler = dyn Fn(&Request) -> Response + Send + Sync;

/// A listening server.
pub struct Server {
    listener: TcpListener,
    limits: Arc<Limits>,
    slots: Arc<Slots>,
}

impl Server {
    /// Serve on `listener` within `limits`.
    pub fn new(listener: TcpListener, limits: Limits) -> Server {
        Server {
            listener,
            slots: Arc::new(Slots::new(limits.max_connections)),
            limits: Arc::new(limits),
        }
    }

    /// The connections being served, kept up to date.
    #[cfg(test)]
    pub fn slots(&self) -> Arc<Slots> {
        Arc::clone(&self.slots)
    }

    /// Accept connections for ever, each on its own thread. At the cap, the
    /// next connection waits in the listen queue until one ends (every one
    /// ends by its deadlines).
    pub fn run(self, handler: Arc<Handler>) -> ! {
        loop {
            self.slots.wait_for_room();
            let stream = match self.listener.accept() {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: wait a little rather than spin.
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
            };
            let slot = Slot::take(&self.slots);
            let limits = Arc::clone(&self.limits);
            let handler = Arc::clone(&handler);
            // If the thread cannot start, the closure, its slot and the
            // connection are dropped.
            let _ = std::thread::Builder::new()
                .name("note2fhir-http".into())
                .spawn(move || {
                    let _slot = slot;
                    serve_connection(stream, &limits, &*handler);
                });
        }
    }
}

/// A count of connections with a cap.
pub struct Slots {
    taken: Mutex<usize>,
    freed: Condvar,
    max: usize,
}

impl Slots {
    fn new(max: usize) -> Slots {
        Slots {
            taken: Mutex::new(0),
            freed: Condvar::new(),
            max: max.max(1),
        }
    }

    /// Wait until one is free. Only the accepting thread takes slots, so
    /// one stays free until it does.
    fn wait_for_room(&self) {
        let mut taken = self.taken.lock().unwrap_or_else(|e| e.into_inner());
        while *taken >= self.max {
            taken = self.freed.wait(taken).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The number taken.
    #[cfg(test)]
    pub fn taken(&self) -> usize {
        *self.taken.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One of the [`Slots`], given back when dropped.
struct Slot(Arc<Slots>);

impl Slot {
    /// Take a slot (after [`Slots::wait_for_room`]).
    fn take(slots: &Arc<Slots>) -> Slot {
        *slots.taken.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        Slot(Arc::clone(slots))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *self.0.taken.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        self.0.freed.notify_one();
    }
}

/// Why a request got no handler answer.
#[derive(Debug, PartialEq)]
enum Failure {
    /// The client went away or never sent anything: close without a word.
    Silent,
    /// Answer this status with a JSON error.
    Status(u16, String),
}

fn fail(status: u16, message: impl Into<String>) -> Failure {
    Failure::Status(status, message.into())
}

fn serve_connection(mut stream: TcpStream, limits: &Limits, handler: &Handler) {
    let accepted = Instant::now();
    let Ok(local) = stream.local_addr() else {
        return;
    };
    let response = match read_request(&mut stream, limits, accepted, local) {
        Ok(request) => catch_unwind(AssertUnwindSafe(|| handler(&request)))
            .unwrap_or_else(|_| Response::error(500, "internal error")),
        Err(Failure::Silent) => return,
        Err(Failure::Status(status, message)) => Response::error(status, &message),
    };
    if write_before(&mut stream, &encode(&response), Instant::now() + limits.write).is_ok() {
        linger(stream, limits);
    }
}

/// After answering: stop sending, and read what the client still sends for
/// a moment, so that it sees the answer rather than a reset.
fn linger(mut stream: TcpStream, limits: &Limits) {
    if stream.shutdown(Shutdown::Write).is_err() {
        return;
    }
    let deadline = Instant::now() + limits.idle.min(Duration::from_secs(2));
    let mut budget = limits.max_head + limits.max_body;
    let mut chunk = [0u8; 8192];
    while budget > 0 {
        match read_before(&mut stream, &mut chunk, deadline) {
            Ok(0) | Err(_) => break,
            Ok(n) => budget = budget.saturating_sub(n),
        }
    }
}

fn read_request(
    stream: &mut TcpStream,
    limits: &Limits,
    accepted: Instant,
    local: SocketAddr,
) -> Result<Request, Failure> {
    let mut buf = Vec::with_capacity(4096);
    let end = read_head(stream, &mut buf, limits, accepted)?;
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| fail(400, "the request head is not UTF-8"))?;
    let (method, target, headers) = parse_head(head, limits)?;
    let length = body_length(&headers, limits)?;
    let continues = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("expect") && v.eq_ignore_ascii_case("100-continue"));
    if continues && length > 0 {
        write_before(stream, b"HTTP/1.1 100 Continue\r\n\r\n", accepted + limits.read)
            .map_err(|_| Failure::Silent)?;
    }
    let mut body = buf.split_off(end);
    body.truncate(length);
    read_body(stream, &mut body, length, accepted + limits.read)?;
    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    Ok(Request {
        method,
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body,
        local,
    })
}

/// Read until the blank line ending the head; the head's length in `buf`.
fn read_head(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    limits: &Limits,
    accepted: Instant,
) -> Result<usize, Failure> {
    let too_large = || fail(431, format!("the request head is over {}", size(limits.max_head)));
    let mut chunk = [0u8; 4096];
    let mut scanned = 0;
    loop {
        if let Some(end) = head_end(buf, scanned) {
            return if end > limits.max_head {
                Err(too_large())
            } else {
                Ok(end)
            };
        }
        if buf.len() > limits.max_head {
            return Err(too_large());
        }
        scanned = buf.len();
        let deadline = accepted + if buf.is_empty() { limits.idle } else { limits.read };
        match read_before(stream, &mut chunk, deadline) {
            Ok(0) => return Err(Failure::Silent),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if is_timeout(&e) && !buf.is_empty() => {
                return Err(fail(408, "the request did not arrive in time"));
            }
            Err(_) => return Err(Failure::Silent),
        }
    }
}

/// The end of the head (just past its blank line), looking from `from` on.
/// Lines may end in CRLF or LF.
fn head_end(buf: &[u8], from: usize) -> Option<usize> {
    let start = from.saturating_sub(2);
    buf[start..].iter().enumerate().find_map(|(k, &b)| {
        let i = start + k;
        if b != b'\n' {
            None
        } else if buf.get(i + 1) == Some(&b'\n') {
            Some(i + 2)
        } else if buf.get(i + 1..i + 3) == Some(b"\r\n") {
            Some(i + 3)
        } else {
            None
        }
    })
}

type Head = (String, String, Vec<(String, String)>);

/// The method, target and header fields of a head.
fn parse_head(head: &str, limits: &Limits) -> Result<Head, Failure> {
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let line = lines.next().unwrap_or_default();
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(fail(400, "malformed request line"));
    };
    if !is_token(method) || !target.starts_with('/') || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(fail(400, "malformed request line"));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(fail(505, "only HTTP/1.1 is served"));
    }
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        if headers.len() == limits.max_headers {
            return Err(fail(
                431,
                format!("more than {} header fields", limits.max_headers),
            ));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| fail(400, "malformed header field"))?;
        let value = value.trim_matches([' ', '\t']);
        if !is_token(name) || value.bytes().any(|b| (b < b' ' && b != b'\t') || b == 0x7f) {
            return Err(fail(400, "malformed header field"));
        }
        headers.push((name.to_string(), value.to_string()));
    }
    Ok((method.to_string(), target.to_string(), headers))
}

/// An HTTP token (a method or a header field name).
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The body's length from `Content-Length` (0 without one).
fn body_length(headers: &[(String, String)], limits: &Limits) -> Result<usize, Failure> {
    if headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"))
    {
        return Err(fail(
            501,
            "a Transfer-Encoding is not supported: send a Content-Length",
        ));
    }
    let mut length: Option<u64> = None;
    for (_, value) in headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(fail(400, "invalid Content-Length"));
        }
        let n = value.parse().unwrap_or(u64::MAX);
        if length.is_some_and(|l| l != n) {
            return Err(fail(400, "conflicting Content-Length fields"));
        }
        length = Some(n);
    }
    match length.unwrap_or(0) {
        n if n > limits.max_body as u64 => Err(fail(
            413,
            format!("the request body is over {}", size(limits.max_body)),
        )),
        n => Ok(n as usize),
    }
}

/// Read the rest of a body of `length` bytes into `body` by `deadline`.
fn read_body(
    stream: &mut TcpStream,
    body: &mut Vec<u8>,
    length: usize,
    deadline: Instant,
) -> Result<(), Failure> {
    let mut chunk = [0u8; 16384];
    while body.len() < length {
        let want = (length - body.len()).min(chunk.len());
        match read_before(stream, &mut chunk[..want], deadline) {
            Ok(0) => return Err(fail(400, "the body is shorter than its Content-Length")),
            Ok(n) => body.extend_from_slice(&chunk[..n]),
            Err(e) if is_timeout(&e) => return Err(fail(408, "the request body did not arrive in time")),
            Err(_) => return Err(Failure::Silent),
        }
    }
    Ok(())
}

/// One read that gives up at `deadline`.
fn read_before(stream: &mut TcpStream, chunk: &mut [u8], deadline: Instant) -> io::Result<usize> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(chunk) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}

/// Write all of `bytes` by `deadline`.
fn write_before(stream: &mut TcpStream, mut bytes: &[u8], deadline: Instant) -> io::Result<()> {
    while !bytes.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_write_timeout(Some(left))?;
        match stream.write(&bytes[..bytes.len().min(64 << 10)]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

/// A size for messages: "1 MB", "16 KB" or "100 bytes".
fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// The bytes of an answer: status line, header fields, body.
fn encode(response: &Response) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n",
        response.status,
        reason(response.status),
        response.content_type,
        response.body.len()
    );
    for (name, value) in &response.headers {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&response.body);
    bytes
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests;
