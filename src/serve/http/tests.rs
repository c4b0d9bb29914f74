//! The HTTP layer against real sockets on 127.0.0.1, with short limits.

use super::*;

/// Short limits, so that timeouts show within a test.
fn limits() -> Limits {
    Limits {
        idle: Duration::from_millis(300),
        read: Duration::from_millis(600),
        write: Duration::from_millis(300),
        max_head: 1024,
        max_headers: 8,
        max_body: 4096,
        max_connections: 4,
    }
}

struct Running {
    addr: SocketAddr,
    slots: Arc<Slots>,
}

/// A server on a free loopback port; its thread lives as long as the tests.
fn start(limits: Limits) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::new(listener, limits);
    let slots = server.slots();
    std::thread::spawn(move || server.run(Arc::new(echo)));
    Running { addr, slots }
}

/// Echoes what it got; `/big` answers 32 MB, `/panic` panics.
fn echo(request: &Request) -> Response {
    match request.path.as_str() {
        "/big" => Response::new(200, "text/plain", vec![b'x'; 32 << 20]),
        "/panic" => panic!("a bug"),
        _ => {
            let text = format!(
                "{} {} {} {}",
                request.method,
                request.path,
                request.query,
                String::from_utf8_lossy(&request.body)
            );
            Response::new(200, "text/plain", text.into_bytes())
        }
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    stream
}

/// Send `raw`, read to the end: status, head and body.
fn exchange(addr: SocketAddr, raw: &[u8]) -> (u16, String, Vec<u8>) {
    let mut stream = connect(addr);
    let _ = stream.write_all(raw);
    read_answer(&mut stream)
}

fn read_answer(stream: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let split = head_end(&answer, 0).expect("a whole answer");
    let head = String::from_utf8(answer[..split].to_vec()).unwrap();
    let status = head[9..12].parse().unwrap();
    (status, head, answer[split..].to_vec())
}

fn error_of(body: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap();
    value["error"].as_str().unwrap().to_string()
}

/// Wait (at most 20 s) until `n` connections are served.
fn wait_active(slots: &Slots, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while slots.taken() != n {
        assert!(
            Instant::now() < deadline,
            "{} connections, not {n}",
            slots.taken()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn answers_a_request_and_closes() {
    let server = start(limits());
    let (status, head, body) = exchange(server.addr, b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(status, 200);
    assert!(head.contains("\r\nConnection: close\r\n"), "{head}");
    assert!(head.contains("\r\nContent-Length: 11\r\n"), "{head}");
    assert!(head.contains("\r\nX-Content-Type-Options: nosniff\r\n"), "{head}");
    assert_eq!(body, b"GET /a b=1 ");
    // Bare LF line ends, and a body.
    let (status, _, body) = exchange(server.addr, b"POST / HTTP/1.0\nContent-Length: 5\n\nhello");
    assert_eq!(status, 200);
    assert_eq!(body, b"POST /  hello");
}

#[test]
fn a_stalled_body_gets_408_while_others_are_answered() {
    let server = start(Limits {
        read: Duration::from_secs(4),
        ..limits()
    });
    // 10 of a promised 4,000 bytes, then nothing.
    let mut stalled = connect(server.addr);
    stalled
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n0123456789")
        .unwrap();
    wait_active(&server.slots, 1);
    let (status, _, body) = exchange(server.addr, b"GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!((status, body.as_slice()), (200, &b"GET /second  "[..]));
    // Still waiting for its body, not answered.
    stalled.set_nonblocking(true).unwrap();
    let err = stalled.read(&mut [0u8; 16]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    stalled.set_nonblocking(false).unwrap();
    let (status, _, body) = read_answer(&mut stalled);
    assert_eq!(status, 408);
    assert!(error_of(&body).contains("did not arrive in time"));
    wait_active(&server.slots, 0);
}

#[test]
fn a_stalled_head_gets_408_and_an_idle_connection_is_closed() {
    let server = start(limits());
    let (status, _, body) = {
        let mut stream = connect(server.addr);
        stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
        read_answer(&mut stream)
    };
    assert_eq!(status, 408);
    assert!(error_of(&body).contains("in time"));
    // Nothing sent at all: closed without an answer.
    let mut idle = connect(server.addr);
    let mut got = Vec::new();
    idle.read_to_end(&mut got).unwrap();
    assert!(got.is_empty());
    wait_active(&server.slots, 0);
}

#[test]
fn a_client_that_never_reads_is_let_go() {
    let server = start(Limits {
        write: Duration::from_secs(1),
        ..limits()
    });
    let mut lazy = connect(server.addr);
    lazy.write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    wait_active(&server.slots, 1);
    // 32 MB do not fit in the socket buffers: the write times out.
    wait_active(&server.slots, 0);
    let (status, _, _) = exchange(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(status, 200);
    drop(lazy);
}

#[test]
fn oversized_heads_get_431() {
    let server = start(limits());
    let long = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(2000));
    let (status, _, body) = exchange(server.addr, long.as_bytes());
    assert_eq!(status, 431);
    assert_eq!(error_of(&body), "the request head is over 1 KB");
    // A head that never ends is refused once over the limit, not read on.
    let mut endless = connect(server.addr);
    endless.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    for _ in 0..40 {
        if endless
            .write_all(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n")
            .is_err()
        {
            break;
        }
    }
    let (status, _, _) = read_answer(&mut endless);
    assert_eq!(status, 431);
    let many: String = (0..9).map(|i| format!("X-{i}: a\r\n")).collect();
    let (status, _, body) = exchange(server.addr, format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes());
    assert_eq!(status, 431);
    assert_eq!(error_of(&body), "more than 8 header fields");
    let eight: String = (0..8).map(|i| format!("X-{i}: a\r\n")).collect();
    let (status, _, _) = exchange(server.addr, format!("GET / HTTP/1.1\r\n{eight}\r\n").as_bytes());
    assert_eq!(status, 200);
}

#[test]
fn a_body_over_the_limit_gets_413_unread() {
    let server = start(limits());
    // Answered at once, without waiting for the 5,000 bytes.
    let (status, _, body) = exchange(
        server.addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n",
    );
    assert_eq!(status, 413);
    assert_eq!(error_of(&body), "the request body is over 4 KB");
    let huge = b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n";
    assert_eq!(exchange(server.addr, huge).0, 413);
}

#[test]
fn malformed_requests_are_refused() {
    let server = start(limits());
    for (raw, status) in [
        (&b"GET / HTTP/1.1\r\nNo colon\r\n\r\n"[..], 400),
        (b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nA : b\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nA: \xff\r\n\r\n", 400),
        (b"GET http://x/ HTTP/1.1\r\n\r\n", 400),
        (b"GET  / HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\n\r\n", 505),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            501,
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            400,
        ),
        (b"POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello", 400),
    ] {
        let (got, _, _) = exchange(server.addr, raw);
        assert_eq!(got, status, "{}", String::from_utf8_lossy(raw));
    }
    // A body cut short by the client's end of sending.
    let mut short = connect(server.addr);
    short
        .write_all(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nhello")
        .unwrap();
    short.shutdown(Shutdown::Write).unwrap();
    assert_eq!(read_answer(&mut short).0, 400);
}

#[test]
fn a_panic_is_a_500_and_the_server_goes_on() {
    let server = start(limits());
    let (status, head, body) = exchange(server.addr, b"GET /panic HTTP/1.1\r\n\r\n");
    assert_eq!(status, 500);
    assert!(head.contains("Content-Type: application/json"));
    assert_eq!(body, br#"{"error":"internal error"}"#);
    let (status, _, _) = exchange(server.addr, b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(status, 200);
    wait_active(&server.slots, 0);
}

#[test]
fn over_the_connection_cap_a_client_waits_its_turn() {
    let server = start(Limits {
        idle: Duration::from_secs(10),
        max_connections: 2,
        ..limits()
    });
    let mut held: Vec<TcpStream> = (0..2).map(|_| connect(server.addr)).collect();
    wait_active(&server.slots, 2);
    let mut third = connect(server.addr);
    third.write_all(b"GET /third HTTP/1.1\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    third.set_nonblocking(true).unwrap();
    assert_eq!(
        third.read(&mut [0u8; 16]).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    third.set_nonblocking(false).unwrap();
    assert_eq!(server.slots.taken(), 2);
    held.pop();
    let (status, _, body) = read_answer(&mut third);
    assert_eq!((status, body.as_slice()), (200, &b"GET /third  "[..]));
    drop(held);
    wait_active(&server.slots, 0);
}

#[test]
fn expect_100_continue_is_answered() {
    let server = start(limits());
    let mut stream = connect(server.addr);
    stream
        .write_all(b"POST / HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(b"ok").unwrap();
    let (status, _, body) = read_answer(&mut stream);
    assert_eq!((status, body.as_slice()), (200, &b"POST /  ok"[..]));
}

#[test]
fn the_end_of_a_head_is_found_across_reads() {
    let head = b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody";
    assert_eq!(head_end(head, 0), Some(27));
    for cut in 0..27 {
        assert_eq!(head_end(&head[..cut], 0), None);
        // Scanning on from where an earlier read stopped finds it too.
        assert_eq!(head_end(head, cut), Some(27), "{cut}");
    }
    assert_eq!(head_end(b"GET / HTTP/1.1\nHost: x\n\n", 0), Some(24));
    assert_eq!(size(1 << 20), "1 MB");
    assert_eq!(size(16 << 10), "16 KB");
    assert_eq!(size(1000), "1000 bytes");
}
