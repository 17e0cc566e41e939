//! A deliberately tiny HTTP/1.1 client: one request in flight per keep-alive connection, the
//! request bytes written as prepared, the response read just far enough to know its status and
//! where it ends. Nothing is allocated per request once the read buffer has grown.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// The largest response body accepted.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// Where a response's head ends, and what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Head {
    status: u16,
    /// Bytes of the status line and headers, the blank line included.
    len: usize,
    body: BodyLength,
    close: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyLength {
    Fixed(usize),
    Chunked,
}

/// One response: its status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response<'a> {
    /// The HTTP status code.
    pub status: u16,
    /// The body, de-chunked.
    pub body: &'a [u8],
    /// Whether the server will close the connection after it.
    pub close: bool,
}

/// A keep-alive HTTP/1.1 connection.
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
    body: Vec<u8>,
}

impl Connection {
    /// Connects, with Nagle's algorithm off (requests go out in one write).
    pub async fn open(addr: SocketAddr) -> io::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buf: Vec::with_capacity(8192),
            body: Vec::new(),
        })
    }

    /// Writes a complete, prepared request and reads its response.
    pub async fn exchange(&mut self, request: &[u8]) -> io::Result<Response<'_>> {
        self.stream.write_all(request).await?;
        self.buf.clear();
        let head = loop {
            if let Some(head) = parse_head(&self.buf)? {
                break head;
            }
            self.fill().await?;
        };
        match head.body {
            BodyLength::Fixed(len) => {
                if len > MAX_BODY {
                    return Err(bad("Content-Length over 64 MiB"));
                }
                let end = head.len + len;
                while self.buf.len() < end {
                    self.fill().await?;
                }
                Ok(Response {
                    status: head.status,
                    body: &self.buf[head.len..end],
                    close: head.close,
                })
            }
            BodyLength::Chunked => {
                self.body.clear();
                let mut at = head.len;
                loop {
                    match parse_chunk(&self.buf[at..])? {
                        Some(Chunk::Data { start, len }) => {
                            if self.body.len() + len > MAX_BODY {
                                return Err(bad("chunked body over 64 MiB"));
                            }
                            self.body
                                .extend_from_slice(&self.buf[at + start..at + start + len]);
                            at += start + len + 2;
                        }
                        Some(Chunk::Last) => break,
                        None => self.fill().await?,
                    }
                }
                Ok(Response {
                    status: head.status,
                    body: &self.body,
                    close: head.close,
                })
            }
        }
    }

    async fn fill(&mut self) -> io::Result<()> {
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf.reserve(8192);
        }
        let n = self.stream.read_buf(&mut self.buf).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection mid-response",
            ));
        }
        Ok(())
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("bad response: {what}"))
}

/// Parses the status line and headers once they are complete; `None` until then.
fn parse_head(buf: &[u8]) -> io::Result<Option<Head>> {
    let Some(end) = find(buf, b"\r\n\r\n") else {
        if buf.len() > 64 * 1024 {
            return Err(bad("header section over 64 KiB"));
        }
        return Ok(None);
    };
    let text = std::str::from_utf8(&buf[..end]).map_err(|_| bad("non-UTF-8 header"))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(bad("not HTTP/1.x"));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status code"))?;
    let mut body = BodyLength::Fixed(0);
    let mut close = version == "HTTP/1.0";
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            body = BodyLength::Fixed(value.parse().map_err(|_| bad("Content-Length"))?);
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            && value.eq_ignore_ascii_case("chunked")
        {
            body = BodyLength::Chunked;
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        }
    }
    Ok(Some(Head {
        status,
        len: end + 4,
        body,
        close,
    }))
}

enum Chunk {
    /// Data at `start..start + len` (relative to where the chunk's size line begins), followed
    /// by CRLF.
    Data { start: usize, len: usize },
    /// The last chunk, trailer and all.
    Last,
}

fn parse_chunk(buf: &[u8]) -> io::Result<Option<Chunk>> {
    let Some(line_end) = find(buf, b"\r\n") else {
        return Ok(None);
    };
    let line = std::str::from_utf8(&buf[..line_end]).map_err(|_| bad("chunk size"))?;
    let size = line.split(';').next().unwrap_or_default().trim();
    let len = usize::from_str_radix(size, 16)
        .ok()
        .filter(|&len| len <= MAX_BODY)
        .ok_or_else(|| bad("chunk size"))?;
    let start = line_end + 2;
    if len == 0 {
        // The last chunk, then trailer fields (usually none) and an empty line.
        let rest = &buf[start..];
        if rest.len() < 2 {
            return Ok(None);
        }
        if rest.starts_with(b"\r\n") {
            return Ok(Some(Chunk::Last));
        }
        return Ok(find(rest, b"\r\n\r\n").map(|_| Chunk::Last));
    }
    if buf.len() < start + len + 2 {
        return Ok(None);
    }
    Ok(Some(Chunk::Data { start, len }))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
#[path = "client_test.rs"]
mod tests;
