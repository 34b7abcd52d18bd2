//! A minimal HTTP/1.1 server on `std::net`: one thread per connection, one
//! request per connection (`Connection: close`).
//!
//! Why not a library: tiny_http's worker pool was seen to leave a freshly
//! accepted keep-alive connection unread for minutes when a browser opened
//! several at once, stalling page loads. Without keep-alive there is no such
//! state to get wrong, and loopback connections are cheap.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// The longest request head accepted (request line plus headers).
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// One parsed request. Bodies are read and dropped: no endpoint takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `POST`, … as sent.
    pub method: String,
    /// The request target, e.g. `/api/users?page=2`.
    pub target: String,
    headers: Vec<(String, String)>,
}

impl HttpRequest {
    /// The first header called `name` (case-insensitive), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one request from `stream`; `Ok(None)` when the client sent nothing usable.
///
/// # Errors
/// I/O errors of the connection.
pub fn read_request(stream: &mut TcpStream) -> io::Result<Option<HttpRequest>> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let mut reader = BufReader::new(stream);
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let read = reader
            .by_ref()
            .take((MAX_HEAD_BYTES - head.len()) as u64)
            .read_until(b'\n', &mut head)?;
        if read == 0 || head.len() >= MAX_HEAD_BYTES {
            return Ok(None);
        }
        let line = &head[before..];
        if line == b"\r\n" || line == b"\n" {
            break;
        }
    }
    let Ok(text) = std::str::from_utf8(&head) else {
        return Ok(None);
    };
    let mut lines = text.lines();
    let mut request_line = lines.next().unwrap_or("").split_whitespace();
    let (Some(method), Some(target)) = (request_line.next(), request_line.next()) else {
        return Ok(None);
    };
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let request = HttpRequest {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
    };
    let body_length = request
        .header("content-length")
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    io::copy(&mut reader.take(body_length.min(1 << 20)), &mut io::sink())?;
    Ok(Some(request))
}

/// The reason phrase of the statuses the mock sends.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Writes a complete response and closes the connection. `head_only`
/// leaves out the body (for `HEAD`) but keeps its `Content-Length`.
///
/// # Errors
/// I/O errors of the connection (e.g. the client left).
pub fn write_response(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(&str, String)],
    body: &[u8],
    head_only: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    // One write, without Nagle's delay: a separate small head and body can
    // otherwise wait on a delayed ACK and add milliseconds to every request.
    stream.set_nodelay(true)?;
    let mut message = head.into_bytes();
    if !head_only {
        message.extend_from_slice(body);
    }
    stream.write_all(&message)?;
    stream.flush()
}

/// Binds a listener on `addr` (`host:port`).
///
/// # Errors
/// When the address cannot be bound.
pub fn bind(addr: &str) -> io::Result<TcpListener> {
    TcpListener::bind(addr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn a_request_is_read_and_answered() {
        let listener = bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let request = read_request(&mut stream).unwrap().unwrap();
            write_response(&mut stream, 200, &[("X-Test", "1".into())], b"hi", false).unwrap();
            request
        });
        let mut client = TcpStream::connect(addr).unwrap();
        client
            .write_all(b"POST /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Api-Key:  k \r\nContent-Length: 3\r\n\r\nabc")
            .unwrap();
        let mut answer = String::new();
        client.read_to_string(&mut answer).unwrap();
        let request = server.join().unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(request.target, "/a?b=1");
        assert_eq!(request.header("x-api-key"), Some("k"));
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(
            answer.contains("Content-Length: 2\r\nConnection: close\r\n\r\nhi"),
            "{answer}"
        );
    }
}
