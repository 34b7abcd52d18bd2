//! A minimal HTTP/1.1 server on `std::net`: one thread per connection,
//! requests answered in order on it (keep-alive), the connection closed when
//! the client asks or stays idle.
//!
//! Why not a library: tiny_http's worker pool was seen to leave a freshly
//! accepted keep-alive connection unread for minutes when a browser opened
//! several at once, stalling page loads. A thread that owns its connection
//! and blocks on it has no such hand-over to get wrong.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// The longest request head accepted (request line plus headers).
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// How long a connection may wait for its next request before it is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// One parsed request. Bodies are read and dropped: no endpoint takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `POST`, … as sent.
    pub method: String,
    /// The request target, e.g. `/api/users?page=2`.
    pub target: String,
    headers: Vec<(String, String)>,
    /// HTTP/1.1 without `Connection: close` (HTTP/1.0 closes by default).
    pub keep_alive: bool,
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

/// A client connection: buffered reads that survive from one request to the next.
pub struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    /// Wraps an accepted stream.
    ///
    /// # Errors
    /// When the socket options cannot be set.
    pub fn new(stream: TcpStream) -> io::Result<Self> {
        stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
        // Answers go out in one write; no waiting for Nagle's algorithm.
        stream.set_nodelay(true)?;
        Ok(Connection {
            reader: BufReader::new(stream),
        })
    }

    /// The next request; `Ok(None)` when the client closed the connection,
    /// stayed idle, or sent nothing usable.
    ///
    /// # Errors
    /// I/O errors of the connection other than an idle timeout.
    pub fn next_request(&mut self) -> io::Result<Option<HttpRequest>> {
        match read_request(&mut self.reader) {
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            other => other,
        }
    }

    /// Writes a complete response. `head_only` leaves out the body (for
    /// `HEAD`) but keeps its `Content-Length`; `keep_alive` says whether the
    /// connection stays open for another request.
    ///
    /// # Errors
    /// I/O errors of the connection (e.g. the client left).
    pub fn respond(
        &mut self,
        status: u16,
        headers: &[(&str, String)],
        body: &[u8],
        head_only: bool,
        keep_alive: bool,
    ) -> io::Result<()> {
        let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let connection = if keep_alive { "keep-alive" } else { "close" };
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: {connection}\r\n\r\n",
            body.len()
        ));
        // One write: a separate small head and body can wait on a delayed ACK.
        let mut message = head.into_bytes();
        if !head_only {
            message.extend_from_slice(body);
        }
        let stream = self.reader.get_mut();
        stream.write_all(&message)?;
        stream.flush()
    }
}

/// Reads one request; `Ok(None)` when the client sent nothing usable.
fn read_request(reader: &mut BufReader<TcpStream>) -> io::Result<Option<HttpRequest>> {
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
    let version = request_line.next().unwrap_or("HTTP/1.0");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let close = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("connection") && v.eq_ignore_ascii_case("close"));
    let request = HttpRequest {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
        keep_alive: version == "HTTP/1.1" && !close,
    };
    let body_length = request
        .header("content-length")
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    io::copy(
        &mut reader.by_ref().take(body_length.min(1 << 20)),
        &mut io::sink(),
    )?;
    Ok(Some(request))
}

/// The reason phrase of the statuses the mock sends.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        302 => "Found",
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
    use std::thread::{self, JoinHandle};

    /// A client socket, and the server side of its one connection run by `serve`.
    fn connected<T: Send + 'static>(
        serve: impl FnOnce(Connection) -> T + Send + 'static,
    ) -> (TcpStream, JoinHandle<T>) {
        let listener = bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            serve(Connection::new(stream).unwrap())
        });
        (TcpStream::connect(addr).unwrap(), server)
    }

    #[test]
    fn requests_are_answered_in_turn_on_one_connection() {
        let (mut client, server) = connected(|mut connection| {
            let mut requests = Vec::new();
            while let Some(request) = connection.next_request().unwrap() {
                let keep_alive = request.keep_alive;
                connection
                    .respond(200, &[("X-Test", "1".into())], b"hi", false, keep_alive)
                    .unwrap();
                requests.push(request);
                if !keep_alive {
                    break;
                }
            }
            requests
        });
        client
            .write_all(b"POST /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Api-Key:  k \r\nContent-Length: 3\r\n\r\nabc")
            .unwrap();
        client
            .write_all(b"GET /second HTTP/1.1\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        client.read_to_string(&mut answer).unwrap();
        let requests = server.join().unwrap();
        assert_eq!(requests.len(), 2, "two requests on one connection");
        assert_eq!(requests[0].method, "POST");
        assert_eq!(requests[0].target, "/a?b=1");
        assert_eq!(requests[0].header("x-api-key"), Some("k"));
        assert!(requests[0].keep_alive);
        assert_eq!(requests[1].target, "/second");
        assert!(!requests[1].keep_alive);
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(
            answer.contains("Content-Length: 2\r\nConnection: keep-alive\r\n\r\nhi"),
            "{answer}"
        );
        assert!(
            answer.ends_with("Content-Length: 2\r\nConnection: close\r\n\r\nhi"),
            "{answer}"
        );
    }

    #[test]
    fn http_1_0_closes_after_one_answer() {
        let (mut client, server) =
            connected(|mut connection| connection.next_request().unwrap().unwrap().keep_alive);
        client.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        assert!(!server.join().unwrap());
    }
}
