//! The prepared requests: every push built, signed, encrypted and framed as HTTP before the
//! clock starts, stored back to back in one buffer.

use std::sync::atomic::{AtomicUsize, Ordering};

use wxgate::internals::simulate::{Envelope, Kind, Sender};

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct Target {
    /// `host:port` for the Host header.
    pub authority: String,
    /// The path, with any query of the URL (pushes append theirs).
    pub path: String,
}

/// Requests ready to write, handed out once each (or round and round with `cycle`).
#[derive(Debug)]
pub struct Pool {
    data: Vec<u8>,
    ends: Vec<usize>,
    next: AtomicUsize,
    cycle: bool,
}

/// The distinct parts of push number `index` of a run.
#[derive(Debug, Clone, Copy)]
pub struct Unique {
    /// A base no earlier run used (see [`run_base`]).
    pub base: u64,
    /// The push's number in the run.
    pub index: u64,
}

impl Unique {
    /// MsgId: the base plus the index.
    pub fn msg_id(self) -> u64 {
        self.base.wrapping_add(self.index)
    }

    /// FromUserName: a 28-character openid, like WeChat's, one per push.
    pub fn openid(self) -> String {
        format!("oBench{:022}", self.msg_id())
    }
}

/// A MsgId base for this run: microseconds since the epoch times 4096, so runs at least a
/// millisecond apart never share an id below a few million pushes.
pub fn run_base() -> u64 {
    let micros = wxgate::internals::clock::unix_micros();
    (micros % (1 << 50)).wrapping_mul(4096)
}

/// Builds one framed request: a text push `content` from a fresh sender with a fresh MsgId,
/// timestamp `now` and a random nonce.
pub fn request(
    sender: &Sender,
    target: &Target,
    to: &str,
    content: &str,
    unique: Unique,
    now: u64,
) -> Vec<u8> {
    let openid = unique.openid();
    let kind = Kind::Text {
        content: content.to_owned(),
    };
    let env = Envelope {
        to,
        from: &openid,
        create_time: now,
        msg_id: unique.msg_id(),
    };
    let mut out = Vec::new();
    if let Some(push) = kind.xml(env) {
        let signed = sender.sign(&push, &openid, now, &wxgate::internals::crypto::nonce());
        frame(&mut out, target, &signed.query, signed.body.as_bytes());
    }
    out
}

/// Appends `POST path?query HTTP/1.1` with its headers and body to `out`.
pub fn frame(out: &mut Vec<u8>, target: &Target, query: &str, body: &[u8]) {
    use std::io::Write as _;
    let separator = if target.path.contains('?') { '&' } else { '?' };
    let _ = write!(
        out,
        "POST {}{separator}{query} HTTP/1.1\r\nHost: {}\r\nContent-Type: text/xml\r\n\
         User-Agent: wxgate-bench\r\nContent-Length: {}\r\n\r\n",
        target.path,
        target.authority,
        body.len()
    );
    out.extend_from_slice(body);
}

impl Pool {
    /// Prepares `count` requests made by `make` from numbers `0..count` of the run `base`.
    pub fn build(
        base: u64,
        count: usize,
        cycle: bool,
        mut make: impl FnMut(Unique) -> Vec<u8>,
    ) -> Pool {
        let mut data = Vec::new();
        let mut ends = Vec::with_capacity(count);
        for index in 0..count {
            let one = make(Unique {
                base,
                index: index as u64,
            });
            if data.is_empty() {
                data.reserve(one.len().saturating_add(16).saturating_mul(count));
            }
            data.extend_from_slice(&one);
            ends.push(data.len());
        }
        Pool {
            data,
            ends,
            next: AtomicUsize::new(0),
            cycle,
        }
    }

    /// The next request; `None` once every one was handed out (never with `cycle`).
    pub fn next(&self) -> Option<&[u8]> {
        if self.ends.is_empty() {
            return None;
        }
        let mut index = self.next.fetch_add(1, Ordering::Relaxed);
        if index >= self.ends.len() {
            if !self.cycle {
                return None;
            }
            index %= self.ends.len();
        }
        let start = index.checked_sub(1).map_or(0, |i| self.ends[i]);
        Some(&self.data[start..self.ends[index]])
    }

    /// How many requests were prepared.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The bytes all prepared requests take.
    pub fn bytes(&self) -> usize {
        self.data.len()
    }
}
