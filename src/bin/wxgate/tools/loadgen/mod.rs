//! `wxgate bench`: a load tool for the callback. Every request is a distinct push (its own
//! MsgId and sender, a fresh timestamp and nonce, valid signatures, encrypted for compatible
//! and safe accounts), all of them built before the clock starts, so the tool spends its time
//! on the wire only. Each connection keeps one request in flight over keep-alive HTTP/1.1, on a
//! single-threaded runtime by default: one core of load is enough to saturate one core of
//! gateway.
//!
//! With `--send` it loads the send API instead: template messages, each under its own
//! `Idempotency-Key` and to its own openid, authenticated as a `[[clients]]` entry (HTTP
//! Basic); a 202 (stored, queued) is a success.
//!
//! ```text
//! wxgate bench --config bench.toml --account safe --connections 128 --duration 10s
//! wxgate bench --config bench.toml --account demo --send --client shop:SECRET --connections 32
//! ```

mod client;
mod pool;
mod send;
mod stats;

use std::net::{SocketAddr, ToSocketAddrs as _};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use wxgate::Config;

use self::client::Connection;
use self::pool::{Pool, Target, Unique};
use self::stats::{Percentiles, Tally};
use super::{callback_url, parse_duration};
use wxgate::internals::simulate::{Opened, Sender};

/// `wxgate bench`'s options.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The account whose pushes to send, by name; the config's first account when omitted.
    #[arg(long)]
    account: Option<String>,
    /// Where to send them; by default http://{server.listen}/wx/{account}, or with --send
    /// http://{server.listen}/api/accounts/{account}/messages. Point it at
    /// `wxgate bench-baseline` to measure the HTTP floor with the very same requests.
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Load the send API instead of the callback: unique template messages, each under its own
    /// Idempotency-Key; 202 counts as success. Needs --client.
    #[arg(long, requires = "client")]
    send: bool,
    /// The `[[clients]]` entry to send as (HTTP Basic), as ID:SECRET; with --send.
    #[arg(long, value_name = "ID:SECRET", requires = "send")]
    client: Option<String>,
    /// Concurrent keep-alive connections, one request in flight on each.
    #[arg(long, default_value_t = 128)]
    connections: usize,
    /// How long to measure.
    #[arg(long, short, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Load before measuring, not counted.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    warmup: Duration,
    /// Send exactly this many pushes and stop, counting all of them (no warm-up, no
    /// --duration); e.g. to fill the dedup table.
    #[arg(long)]
    requests: Option<usize>,
    /// How many distinct pushes to prepare [default: enough for 100,000 requests/s over the
    /// warm-up and the duration; 20,000 requests/s with --send].
    #[arg(long)]
    messages: Option<usize>,
    /// When the prepared pushes run out, send them again instead of stopping. Only for servers
    /// that do not deduplicate (the baseline): a gateway answers repeats from its dedup table.
    #[arg(long)]
    cycle: bool,
    /// The Content of every text message; pick one a rule answers to measure the reply path.
    #[arg(long, default_value = "hello")]
    text: String,
    /// ToUserName; the account's appid when omitted.
    #[arg(long)]
    to: Option<String>,
    /// Threads of the load tool; the connections are shared out between them.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// How long an unanswered request is waited for (then it is an error): past the end of a
    /// timed run, or from when it was sent with --requests.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    timeout: Duration,
    /// Print the results as one JSON object.
    #[arg(long)]
    json: bool,
    /// The server's process id (Linux): report its CPU use over the measured window, and its
    /// CPU time per request — the figure to compare when the machine is shared or the load
    /// tool cannot saturate the server.
    #[arg(long, value_name = "PID")]
    server_pid: Option<u32>,
}

/// User plus system CPU time of a process so far, from `/proc/PID/stat` (in USER_HZ ticks,
/// 100 a second on Linux).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it are plain.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

/// Ticks per second in `/proc/PID/stat`.
const USER_HZ: f64 = 100.0;

/// The measured window, shared by every connection.
#[derive(Debug)]
struct Clock {
    start: Instant,
    /// No request starts after this; none that ends after it counts.
    stop_at: Duration,
    /// A `--requests` run: everything counts, and it ends when the pool is empty.
    counted: bool,
    /// When the pool ran dry (nanoseconds since `start`), `u64::MAX` while it has not.
    exhausted_ns: AtomicU64,
}

/// One request's fate, relative to the clock's start.
#[derive(Debug, Clone, Copy)]
struct Sample {
    started: Duration,
    ended: Duration,
    status: u16,
}

#[derive(Debug, Default)]
struct Seen {
    samples: Vec<Sample>,
    errors: Tally,
}

/// Runs `bench` and returns the exit code: 0 when the run happened (whatever the statuses; see
/// the report), 1 when it could not (unreachable target, failing probe), 2 for a config
/// problem.
pub fn run(config: &Config, args: &BenchArgs) -> ExitCode {
    match bench(config, args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("wxgate bench: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Run(message)) => {
            eprintln!("wxgate bench: {message}");
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    Usage(String),
    Run(String),
}

fn bench(config: &Config, args: &BenchArgs) -> Result<(), Failure> {
    let account = match &args.account {
        Some(name) => config.account(name),
        None => config.accounts.first(),
    }
    .ok_or_else(|| {
        Failure::Usage(format!(
            "no account {:?} in the config",
            args.account.as_deref().unwrap_or_default()
        ))
    })?;
    if args.connections == 0 || args.threads == 0 {
        return Err(Failure::Usage(
            "--connections and --threads must be at least 1".to_owned(),
        ));
    }
    let sender = Sender::new(account);
    // With --send, the client's Authorization header.
    let send_auth = match (&args.client, args.send) {
        (Some(client), true) => Some(send::authorization(client).map_err(Failure::Usage)?),
        (None, false) => None,
        _ => {
            return Err(Failure::Usage(
                "--send and --client ID:SECRET go together".to_owned(),
            ));
        }
    };
    let url = args.url.clone().unwrap_or_else(|| {
        if send_auth.is_some() {
            send::messages_url(config.server.listen, &account.name)
        } else {
            callback_url(config.server.listen, &account.name)
        }
    });
    let (addr, target) = parse_url(&url).map_err(Failure::Usage)?;
    let to = args.to.clone().unwrap_or_else(|| sender.appid.clone());
    let base = pool::run_base();
    let count = match (args.requests, args.messages) {
        (Some(requests), _) => requests,
        (None, Some(messages)) => messages,
        (None, None) => {
            let secs = (args.warmup + args.duration).as_secs_f64();
            let per_sec = if send_auth.is_some() {
                20_000.0
            } else {
                100_000.0
            };
            (secs * per_sec).ceil() as usize
        }
    };
    let build = |unique: Unique, now: u64| match &send_auth {
        Some(auth) => send::request(&target, auth, unique),
        None => pool::request(&sender, &target, &to, &args.text, unique, now),
    };
    let (mode, what, expected) = match send_auth {
        Some(_) => ("send", "template sends".to_owned(), send::ACCEPTED),
        None => (
            sender.mode.as_str(),
            format!("{} mode pushes", sender.mode.as_str()),
            200,
        ),
    };

    // One request beyond the pool checks, before anything else, that the target answers it.
    let probe = build(
        Unique {
            base,
            index: count as u64,
        },
        wxgate::internals::clock::unix_secs(),
    );
    let probed = if send_auth.is_some() {
        probe_send(addr, &probe, args.timeout)
    } else {
        probe_target(addr, &probe, &sender, args.timeout)
    }
    .map_err(Failure::Run)?;
    note(&format!("probe: {probed}"));

    let prepare = Instant::now();
    let now = wxgate::internals::clock::unix_secs();
    let pool = Arc::new(Pool::build(base, count, args.cycle, |unique| {
        build(unique, now)
    }));
    note(&format!(
        "prepared {} distinct {what} ({:.0} MB) in {:.1} s",
        pool.len(),
        pool.bytes() as f64 / 1e6,
        prepare.elapsed().as_secs_f64()
    ));

    let counted_run = args.requests.is_some();
    let (measure_from, stop_at) = if counted_run {
        (Duration::ZERO, Duration::from_secs(365 * 86_400))
    } else {
        (args.warmup, args.warmup + args.duration)
    };
    note(&format!(
        "{} connections on {} thread{} -> {url}",
        args.connections,
        args.threads,
        if args.threads == 1 { "" } else { "s" }
    ));
    let clock = Arc::new(Clock {
        start: Instant::now(),
        stop_at,
        counted: counted_run,
        exhausted_ns: AtomicU64::new(u64::MAX),
    });
    let sampler = args.server_pid.map(|pid| {
        let clock = clock.clone();
        std::thread::spawn(move || {
            let sleep_until = |at: Duration| {
                if let Some(left) = at.checked_sub(clock.start.elapsed()) {
                    std::thread::sleep(left);
                }
            };
            sleep_until(measure_from);
            let first = cpu_ticks(pid);
            if clock.counted {
                return (first, None);
            }
            sleep_until(clock.stop_at);
            (first, cpu_ticks(pid))
        })
    });
    let seen = drive(addr, &pool, &clock, args).map_err(Failure::Run)?;
    let server_ticks = sampler.and_then(|sampler| {
        let (first, last) = sampler.join().ok()?;
        let last = match last {
            Some(last) => Some(last),
            None => args.server_pid.and_then(cpu_ticks),
        };
        Some(last?.saturating_sub(first?))
    });

    let exhausted = clock.exhausted_ns.load(Ordering::Relaxed);
    let exhausted = (exhausted != u64::MAX).then(|| Duration::from_nanos(exhausted));
    let window_end = if counted_run {
        seen.samples
            .iter()
            .map(|s| s.ended)
            .max()
            .unwrap_or_default()
    } else {
        exhausted.map_or(stop_at, |at| at.min(stop_at))
    };
    let completed = seen.samples.len();
    let mut tally = Tally::default();
    for sample in &seen.samples {
        if sample.started >= measure_from && sample.ended <= window_end {
            tally.response(sample.status, sample.ended - sample.started);
        }
    }
    tally.merge(seen.errors);
    let window = window_end.saturating_sub(measure_from);
    let ran_dry = !counted_run && exhausted.is_some_and(|at| at < stop_at);
    let report = Report {
        url,
        mode,
        what,
        expected,
        connections: args.connections,
        threads: args.threads,
        window,
        ran_dry,
        prepared: pool.len(),
        completed,
        server_ticks,
        percentiles: Percentiles::of(&mut tally.latencies),
        tally,
    };
    if args.json {
        println!("{}", report.json());
    } else {
        print!("{}", report.text());
    }
    if ran_dry {
        eprintln!(
            "wxgate bench: the {} prepared requests ran out after {:.1} s of measuring; raise \
             --messages for a full --duration",
            report.prepared,
            window.as_secs_f64()
        );
    }
    Ok(())
}

/// Progress on stderr (stdout is the report).
fn note(text: &str) {
    eprintln!("wxgate bench: {text}");
}

/// `http://host[:port]/path` to an address to connect to, and the Host and path to send.
fn parse_url(url: &str) -> Result<(SocketAddr, Target), String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        format!("{url:?}: bench speaks plain http:// (put it next to the gateway, not behind TLS)")
    })?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(at) if rest[at..].starts_with('/') => (&rest[..at], rest[at..].to_owned()),
        Some(at) => (&rest[..at], format!("/{}", &rest[at..])),
        None => (rest, "/".to_owned()),
    };
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
    {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let addr = with_port
        .to_socket_addrs()
        .map_err(|e| format!("{authority}: {e}"))?
        .next()
        .ok_or_else(|| format!("{authority}: no address"))?;
    Ok((
        addr,
        Target {
            authority: authority.to_owned(),
            path,
        },
    ))
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Sends one request on a fresh connection: the status and body that came back.
fn probe_exchange(
    addr: SocketAddr,
    request: &[u8],
    timeout: Duration,
) -> Result<(u16, Vec<u8>), String> {
    runtime()?.block_on(async {
        let mut connection = tokio::time::timeout(timeout, Connection::open(addr))
            .await
            .map_err(|_| format!("connecting to {addr} timed out"))?
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let response = tokio::time::timeout(timeout, connection.exchange(request))
            .await
            .map_err(|_| "the probe timed out".to_owned())?
            .map_err(|e| format!("the probe failed: {e}"))?;
        Ok((response.status, response.body.to_vec()))
    })
}

/// The error for a probe answered `status` when `expected` was wanted.
fn unexpected_answer(status: u16, body: &[u8]) -> String {
    format!(
        "the probe was answered {status}: {}",
        String::from_utf8_lossy(body).trim()
    )
}

/// Sends one message to the send API and says what came back; an error unless it is a 202.
fn probe_send(addr: SocketAddr, request: &[u8], timeout: Duration) -> Result<String, String> {
    let (status, body) = probe_exchange(addr, request, timeout)?;
    if status != send::ACCEPTED {
        return Err(unexpected_answer(status, &body));
    }
    Ok(format!(
        "{status}, {}",
        String::from_utf8_lossy(&body).trim()
    ))
}

/// Sends one push and says what came back; an error when it is not a 200 with a valid reply.
fn probe_target(
    addr: SocketAddr,
    request: &[u8],
    sender: &Sender,
    timeout: Duration,
) -> Result<String, String> {
    let (status, body) = probe_exchange(addr, request, timeout)?;
    if status != 200 {
        return Err(unexpected_answer(status, &body));
    }
    {
        let encrypted = sender.encrypts();
        match sender.open_reply(&body, encrypted) {
            Ok(Opened::Success) => Ok("200, success (no reply)".to_owned()),
            Ok(Opened::Reply {
                fields, verified, ..
            }) => Ok(format!(
                "200, {} reply{}: {}",
                fields.text("MsgType").unwrap_or("?"),
                if verified {
                    " (verified, decrypted)"
                } else {
                    ""
                },
                fields.text("Content").unwrap_or("")
            )),
            Err(e) => Err(format!("the probe's reply is wrong: {e}")),
        }
    }
}

/// Runs every connection to the end and gathers what they saw.
fn drive(
    addr: SocketAddr,
    pool: &Arc<Pool>,
    clock: &Arc<Clock>,
    args: &BenchArgs,
) -> Result<Seen, String> {
    let threads = args.threads.min(args.connections);
    let per_thread: Vec<usize> = (0..threads)
        .map(|t| args.connections / threads + usize::from(t < args.connections % threads))
        .collect();
    let timeout = args.timeout;
    let handles: Vec<_> = per_thread
        .into_iter()
        .map(|connections| {
            let (pool, clock) = (pool.clone(), clock.clone());
            std::thread::spawn(move || {
                runtime().map(|rt| rt.block_on(run_thread(addr, pool, clock, connections, timeout)))
            })
        })
        .collect();
    let mut seen = Seen::default();
    for handle in handles {
        let part = handle
            .join()
            .map_err(|_| "a load thread panicked".to_owned())??;
        seen.samples.extend(part.samples);
        seen.errors.merge(part.errors);
    }
    Ok(seen)
}

async fn run_thread(
    addr: SocketAddr,
    pool: Arc<Pool>,
    clock: Arc<Clock>,
    connections: usize,
    timeout: Duration,
) -> Seen {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        tasks.spawn(connection(addr, pool.clone(), clock.clone(), timeout));
    }
    let mut seen = Seen::default();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(part) => {
                seen.samples.extend(part.samples);
                seen.errors.merge(part.errors);
            }
            Err(e) => seen.errors.error(format!("a connection task failed: {e}")),
        }
    }
    seen
}

/// One connection: requests back to back until the clock stops or the pool runs dry.
async fn connection(
    addr: SocketAddr,
    pool: Arc<Pool>,
    clock: Arc<Clock>,
    timeout: Duration,
) -> Seen {
    let mut seen = Seen::default();
    let mut open: Option<Connection> = None;
    // In a timed run one timer per connection bounds every request: whatever has no answer
    // `timeout` after the end is given up. (A timer per request costs the load tool more CPU
    // than parsing the response.) A counted run times each request instead.
    let give_up = tokio::time::sleep_until(tokio::time::Instant::from_std(
        clock.start + clock.stop_at.min(Duration::from_secs(86_400)) + timeout,
    ));
    tokio::pin!(give_up);
    loop {
        if clock.start.elapsed() >= clock.stop_at {
            break;
        }
        let connection = match &mut open {
            Some(connection) => connection,
            None => match tokio::time::timeout(timeout, Connection::open(addr)).await {
                Ok(Ok(connection)) => open.insert(connection),
                Ok(Err(e)) => {
                    seen.errors.error(format!("connect: {e}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
                Err(_) => {
                    seen.errors.error("connect: timed out");
                    continue;
                }
            },
        };
        let Some(request) = pool.next() else {
            let now = u64::try_from(clock.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
            clock.exhausted_ns.fetch_min(now, Ordering::Relaxed);
            break;
        };
        let started = clock.start.elapsed();
        let outcome = if clock.counted {
            tokio::time::timeout(timeout, connection.exchange(request))
                .await
                .ok()
        } else {
            tokio::select! {
                biased;
                result = connection.exchange(request) => Some(result),
                () = &mut give_up => None,
            }
        };
        match outcome {
            Some(Ok(response)) => {
                let (status, close) = (response.status, response.close);
                seen.samples.push(Sample {
                    started,
                    ended: clock.start.elapsed(),
                    status,
                });
                if close {
                    open = None;
                }
            }
            Some(Err(e)) => {
                seen.errors.error(e);
                open = None;
            }
            None => {
                seen.errors.error("no answer within --timeout");
                open = None;
                if !clock.counted {
                    break;
                }
            }
        }
    }
    seen
}

/// The results of one run.
#[derive(Debug)]
struct Report {
    url: String,
    /// The pushes' mode (`plain`, `compatible`, `safe`), or `send`.
    mode: &'static str,
    /// What was sent: "safe mode pushes", "template sends".
    what: String,
    /// The status of a success: 200 for pushes, 202 for sends.
    expected: u16,
    connections: usize,
    threads: usize,
    window: Duration,
    ran_dry: bool,
    prepared: usize,
    /// Every answered request, warm-up and stragglers included.
    completed: usize,
    /// The server's CPU ticks over the window, when its pid was given.
    server_ticks: Option<u64>,
    percentiles: Percentiles,
    tally: Tally,
}

impl Report {
    fn rate(&self) -> f64 {
        let secs = self.window.as_secs_f64();
        if secs > 0.0 {
            self.tally.responses() as f64 / secs
        } else {
            0.0
        }
    }

    /// The server's CPU use over the window, in percent of one core.
    fn server_busy(&self) -> Option<f64> {
        let secs = self.window.as_secs_f64();
        self.server_ticks
            .filter(|_| secs > 0.0)
            .map(|ticks| ticks as f64 / USER_HZ / secs * 100.0)
    }

    /// The server's CPU time per counted request, in microseconds.
    fn server_cpu_us(&self) -> Option<f64> {
        let requests = self.tally.responses();
        self.server_ticks
            .filter(|_| requests > 0)
            .map(|ticks| ticks as f64 / USER_HZ * 1e6 / requests as f64)
    }

    fn text(&self) -> String {
        let p = self.percentiles;
        let mut out = format!(
            "target       {} ({}, {} connections, {} thread{})\n\
             requests     {} in {:.2} s = {:.0} requests/s\n\
             latency      p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms\n\
             non-{:<8}{}",
            self.url,
            self.what,
            self.connections,
            self.threads,
            if self.threads == 1 { "" } else { "s" },
            self.tally.responses(),
            self.window.as_secs_f64(),
            self.rate(),
            p.p50,
            p.p90,
            p.p99,
            p.max,
            self.expected,
            self.tally.other_than(self.expected),
        );
        let others: Vec<String> = self
            .tally
            .statuses
            .iter()
            .filter(|&(&status, _)| status != self.expected)
            .map(|(status, count)| format!("{status}: {count}"))
            .collect();
        if !others.is_empty() {
            out.push_str(&format!(" ({})", others.join(", ")));
        }
        out.push_str(&format!("\nerrors       {}", self.tally.errors));
        if let Some(first) = &self.tally.first_error {
            out.push_str(&format!(" (first: {first})"));
        }
        if let (Some(busy), Some(us)) = (self.server_busy(), self.server_cpu_us()) {
            out.push_str(&format!(
                "\nserver CPU   {busy:.0}% of a core, {us:.1} us per request"
            ));
        }
        out.push('\n');
        out
    }

    fn json(&self) -> serde_json::Value {
        let p = self.percentiles;
        let statuses: serde_json::Map<String, serde_json::Value> = self
            .tally
            .statuses
            .iter()
            .map(|(status, count)| (status.to_string(), (*count).into()))
            .collect();
        let mut json = serde_json::json!({
            "url": self.url,
            "mode": self.mode,
            "connections": self.connections,
            "threads": self.threads,
            "seconds": self.window.as_secs_f64(),
            "requests": self.tally.responses(),
            "requests_per_sec": self.rate(),
            "latency_ms": { "p50": p.p50, "p90": p.p90, "p99": p.p99, "max": p.max },
            "expected_status": self.expected,
            "unexpected": self.tally.other_than(self.expected),
            "statuses": statuses,
            "errors": self.tally.errors,
            "first_error": self.tally.first_error,
            "prepared": self.prepared,
            "completed": self.completed,
            "server_cpu_percent": self.server_busy(),
            "server_cpu_us_per_request": self.server_cpu_us(),
            "ran_dry": self.ran_dry,
        });
        // `non_200` for pushes, `non_202` for sends: answers other than a success.
        json[format!("non_{}", self.expected)] = self.tally.other_than(self.expected).into();
        json
    }
}

#[cfg(test)]
#[path = "loadgen_test.rs"]
mod tests;
