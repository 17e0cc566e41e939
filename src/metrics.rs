//! Counters and a latency histogram per account, kept as atomics and rendered as Prometheus
//! text on `GET /metrics`. The account set is fixed at start, so the hot path only does
//! `fetch_add` on memory it already holds: no lock, no map lookup, no allocation.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::store::MessageKind;

/// Why a request was refused; each is a `reason` label of `wxgate_rejected_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A signature or msg_signature did not verify, or the request used a mode the account
    /// does not accept (403).
    Signature,
    /// The Encrypt field was not valid ciphertext: base64, block length, padding, frame (400).
    Decrypt,
    /// The decrypted message was addressed to another appid (403).
    AppId,
    /// The body (or the decrypted message) was not a valid XML/JSON push (400).
    Parse,
    /// The body was larger than `max_body_bytes` (413).
    TooLarge,
    /// The timestamp was further than `max_clock_skew_secs` from now (403).
    Stale,
    /// Query parameters missing, repeated or malformed (400).
    BadRequest,
    /// The body did not arrive within `body_timeout_ms` (408).
    Timeout,
}

impl Reason {
    /// Every reason, in label order.
    pub const ALL: [Reason; 8] = [
        Reason::Signature,
        Reason::Decrypt,
        Reason::AppId,
        Reason::Parse,
        Reason::TooLarge,
        Reason::Stale,
        Reason::BadRequest,
        Reason::Timeout,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Signature => "signature",
            Reason::Decrypt => "decrypt",
            Reason::AppId => "appid",
            Reason::Parse => "parse",
            Reason::TooLarge => "too_large",
            Reason::Stale => "stale",
            Reason::BadRequest => "bad_request",
            Reason::Timeout => "timeout",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// How a handler failed to give an answer; the `kind` label of
/// `wxgate_handler_failures_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The handler panicked.
    Panic,
    /// The handler was still running at the callback deadline (it keeps running).
    Deadline,
    /// The handler returned an error (`Outcome::Failed`).
    Error,
}

impl Failure {
    const ALL: [Failure; 3] = [Failure::Panic, Failure::Deadline, Failure::Error];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Panic => "panic",
            Failure::Deadline => "deadline",
            Failure::Error => "error",
        }
    }
}

/// Why an upstream bot gave no usable answer; the `reason` label of
/// `wxgate_upstream_failures_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamFailure {
    /// No answer within `upstream_timeout_ms`.
    Timeout,
    /// The connection could not be made.
    Connect,
    /// An HTTP status other than 200 or 204.
    Status,
    /// A 200 whose body is not a reply.
    Body,
}

impl UpstreamFailure {
    const ALL: [UpstreamFailure; 4] = [
        UpstreamFailure::Timeout,
        UpstreamFailure::Connect,
        UpstreamFailure::Status,
        UpstreamFailure::Body,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            UpstreamFailure::Timeout => "timeout",
            UpstreamFailure::Connect => "connect",
            UpstreamFailure::Status => "status",
            UpstreamFailure::Body => "body",
        }
    }
}

/// A step of a "Log in with WeChat" login; the `step` label of `wxgate_logins_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginStep {
    /// An app's request was accepted and the browser sent to WeChat.
    Redirected,
    /// Opened outside WeChat: the QR code page was shown.
    QrPage,
    /// Back at the app with a code.
    CodeIssued,
    /// Back at the app with an OAuth error (refused, WeChat failed, bad request).
    AppError,
    /// A code was redeemed for tokens.
    TokensIssued,
    /// A code was redeemed a second time (its tokens revoked).
    CodeReplayed,
}

impl LoginStep {
    const ALL: [LoginStep; 6] = [
        LoginStep::Redirected,
        LoginStep::QrPage,
        LoginStep::CodeIssued,
        LoginStep::AppError,
        LoginStep::TokensIssued,
        LoginStep::CodeReplayed,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            LoginStep::Redirected => "redirected",
            LoginStep::QrPage => "qr_page",
            LoginStep::CodeIssued => "code_issued",
            LoginStep::AppError => "app_error",
            LoginStep::TokensIssued => "tokens_issued",
            LoginStep::CodeReplayed => "code_replayed",
        }
    }
}

/// A Redis operation; the `op` label of `wxgate_redis_errors_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisOp {
    /// Claiming a push (first sight or duplicate).
    Claim,
    /// A duplicate checking whether the push it waits for has finished.
    Poll,
    /// Recording a finished push and deciding where its reply goes.
    Complete,
    /// Extending the in-flight marker of a push whose handler still runs.
    Extend,
    /// Reading the shared access token.
    TokenRead,
    /// Taking or releasing the lock that lets one instance fetch a token.
    TokenLock,
    /// Storing a fetched token.
    TokenWrite,
    /// Retiring a token WeChat rejected.
    TokenRetire,
    /// Storing a short-lived grant (a login's state, a code, an access token).
    GrantPut,
    /// Reading a grant.
    GrantGet,
    /// Reading and removing a single-use grant.
    GrantTake,
    /// Replacing a grant's value, if it exists.
    GrantReplace,
    /// Removing a grant.
    GrantDelete,
    /// Taking a token from an account's shared send rate (the send API).
    SendRate,
    /// Probing a Redis that is down.
    Ping,
}

impl RedisOp {
    /// Every operation, in label order.
    pub const ALL: [RedisOp; 15] = [
        RedisOp::Claim,
        RedisOp::Poll,
        RedisOp::Complete,
        RedisOp::Extend,
        RedisOp::TokenRead,
        RedisOp::TokenLock,
        RedisOp::TokenWrite,
        RedisOp::TokenRetire,
        RedisOp::GrantPut,
        RedisOp::GrantGet,
        RedisOp::GrantTake,
        RedisOp::GrantReplace,
        RedisOp::GrantDelete,
        RedisOp::SendRate,
        RedisOp::Ping,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            RedisOp::Claim => "claim",
            RedisOp::Poll => "poll",
            RedisOp::Complete => "complete",
            RedisOp::Extend => "extend",
            RedisOp::TokenRead => "token_read",
            RedisOp::TokenLock => "token_lock",
            RedisOp::TokenWrite => "token_write",
            RedisOp::TokenRetire => "token_retire",
            RedisOp::GrantPut => "grant_put",
            RedisOp::GrantGet => "grant_get",
            RedisOp::GrantTake => "grant_take",
            RedisOp::GrantReplace => "grant_replace",
            RedisOp::GrantDelete => "grant_delete",
            RedisOp::SendRate => "send_rate",
            RedisOp::Ping => "ping",
        }
    }
}

/// What became of an outbox message's call to WeChat; the `result` label of
/// `wxgate_outbox_sends_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendResult {
    /// WeChat took the message (`sent`).
    Sent,
    /// WeChat refused it for good, or every attempt was spent (`failed`).
    Failed,
    /// A transient failure: it goes again later.
    Retried,
    /// It may or may not have reached WeChat, and is not sent again (`unknown`).
    Unknown,
}

impl SendResult {
    const ALL: [SendResult; 4] = [
        SendResult::Sent,
        SendResult::Failed,
        SendResult::Retried,
        SendResult::Unknown,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            SendResult::Sent => "sent",
            SendResult::Failed => "failed",
            SendResult::Retried => "retried",
            SendResult::Unknown => "unknown",
        }
    }
}

/// The kinds of outbox message, in the order of their counters.
const SEND_KINDS: [MessageKind; 3] = [
    MessageKind::Template,
    MessageKind::Subscribe,
    MessageKind::Custom,
];

/// Upper bounds (seconds) of the buckets of `wxgate_outbox_send_seconds`: WeChat's API takes
/// tens to hundreds of milliseconds, a call times out after seconds.
const SEND_BUCKETS: [f64; 9] = [0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Upper bounds (seconds) of the handling-time histogram buckets.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// A fixed-bucket histogram of durations.
#[derive(Debug, Default)]
struct Histogram {
    counts: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|&le| secs <= le)
            .unwrap_or(BUCKETS.len());
        self.counts[bucket].fetch_add(1, Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Relaxed);
    }
}

/// The histogram of `wxgate_outbox_send_seconds` ([`SEND_BUCKETS`]).
#[derive(Debug, Default)]
struct SendTimes {
    counts: [AtomicU64; SEND_BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

/// The counters of one account.
#[derive(Debug, Default)]
pub struct AccountMetrics {
    messages: AtomicU64,
    duplicates: AtomicU64,
    rejected: [AtomicU64; Reason::ALL.len()],
    failures: [AtomicU64; Failure::ALL.len()],
    upstream_failures: [AtomicU64; UpstreamFailure::ALL.len()],
    pushed: AtomicU64,
    push_failures: AtomicU64,
    logins: [AtomicU64; LoginStep::ALL.len()],
    handling: Histogram,
    outbox_depth: AtomicU64,
    /// By kind ([`SEND_KINDS`]) and result ([`SendResult::ALL`]).
    outbox_sends: [[AtomicU64; SendResult::ALL.len()]; SEND_KINDS.len()],
}

impl AccountMetrics {
    /// A push was verified and parsed (duplicates included).
    pub fn message(&self) {
        self.messages.fetch_add(1, Relaxed);
    }

    /// A push was a retry of one already seen.
    pub fn duplicate(&self) {
        self.duplicates.fetch_add(1, Relaxed);
    }

    /// A request was refused.
    pub fn rejected(&self, reason: Reason) {
        self.rejected[reason.index()].fetch_add(1, Relaxed);
    }

    /// A handler failed to answer.
    pub fn failure(&self, failure: Failure) {
        self.failures[failure as usize].fetch_add(1, Relaxed);
    }

    /// An upstream bot failed.
    pub fn upstream_failure(&self, failure: UpstreamFailure) {
        self.upstream_failures[failure as usize].fetch_add(1, Relaxed);
    }

    /// A reply went out through the customer-service API (`ok`), or failed to.
    pub fn pushed(&self, ok: bool) {
        if ok {
            &self.pushed
        } else {
            &self.push_failures
        }
        .fetch_add(1, Relaxed);
    }

    /// A login went through `step`.
    pub fn login(&self, step: LoginStep) {
        self.logins[step as usize].fetch_add(1, Relaxed);
    }

    /// Time from receiving an accepted push to its answer.
    pub fn handled_in(&self, elapsed: Duration) {
        self.handling.observe(elapsed);
    }

    /// How many of the account's messages are queued or being sent.
    pub fn outbox_depth(&self, depth: u64) {
        self.outbox_depth.store(depth, Relaxed);
    }

    /// A call to WeChat for an outbox message of `kind` ended in `result`.
    pub fn outbox_send(&self, kind: MessageKind, result: SendResult) {
        self.outbox_sends[kind_index(kind)][result as usize].fetch_add(1, Relaxed);
    }
}

fn kind_index(kind: MessageKind) -> usize {
    match kind {
        MessageKind::Template => 0,
        MessageKind::Subscribe => 1,
        MessageKind::Custom => 2,
    }
}

/// Picks one counter out of an account's metrics.
type CounterOf = fn(&AccountMetrics) -> &AtomicU64;

/// Reads a labelled family's values out of an account's metrics.
type LabelledOf = fn(&AccountMetrics) -> Vec<(&'static str, u64)>;

/// Every account's counters plus the process-wide ones.
#[derive(Debug)]
pub struct Metrics {
    accounts: Vec<(String, std::sync::Arc<AccountMetrics>)>,
    unknown_account: AtomicU64,
    redis_errors: [AtomicU64; RedisOp::ALL.len()],
    /// 0 or 1; `None` until a Redis is configured (then the family is rendered).
    redis_up: std::sync::OnceLock<AtomicU64>,
    outbox_send_times: SendTimes,
    /// The pushes counted at the overview's recent reads, for the pushes per minute.
    push_samples: std::sync::Mutex<PushSamples>,
}

impl Metrics {
    /// Counters for these account names, in this order.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Metrics {
            accounts: names
                .into_iter()
                .map(|name| (name.to_owned(), Default::default()))
                .collect(),
            unknown_account: AtomicU64::new(0),
            redis_errors: Default::default(),
            redis_up: std::sync::OnceLock::new(),
            outbox_send_times: SendTimes::default(),
            push_samples: std::sync::Mutex::new(PushSamples {
                started_ms: crate::clock::monotonic_millis(),
                samples: std::collections::VecDeque::new(),
            }),
        }
    }

    /// Whether Redis answered its last command: `None` when no Redis is configured.
    pub fn redis_is_up(&self) -> Option<bool> {
        self.redis_up.get().map(|up| up.load(Relaxed) == 1)
    }

    /// The figures of the console's overview, read now (`now_ms` on the monotonic clock,
    /// [`crate::clock::monotonic_millis`]). Each read is also a sample of the pushes per
    /// minute: the rate is measured over the reads of the last minute (or since start when
    /// there is none yet).
    pub fn snapshot(&self, now_ms: u64) -> Snapshot {
        let mut accounts: Vec<AccountFigures> = self
            .accounts
            .iter()
            .map(|(name, m)| AccountFigures::of(name, m))
            .collect();
        let counts: Vec<u64> = accounts.iter().map(|a| a.pushes).collect();
        let rates = self
            .push_samples
            .lock()
            .map(|mut samples| samples.rates(now_ms, counts))
            .unwrap_or_default();
        for (figures, rate) in accounts.iter_mut().zip(rates) {
            figures.pushes_per_minute = rate;
        }
        let mut total = AccountFigures::empty("");
        let mut buckets = [0u64; BUCKETS.len() + 1];
        for (figures, (_, m)) in accounts.iter().zip(&self.accounts) {
            total.add(figures);
            for (sum, count) in buckets.iter_mut().zip(&m.handling.counts) {
                *sum += count.load(Relaxed);
            }
        }
        total.p50_ms = quantile_ms(&buckets, 0.5);
        total.p99_ms = quantile_ms(&buckets, 0.99);
        Snapshot { accounts, total }
    }

    /// A call to WeChat for an outbox message took `elapsed`.
    pub fn outbox_send_time(&self, elapsed: Duration) {
        let times = &self.outbox_send_times;
        let secs = elapsed.as_secs_f64();
        let bucket = SEND_BUCKETS
            .iter()
            .position(|&le| secs <= le)
            .unwrap_or(SEND_BUCKETS.len());
        times.counts[bucket].fetch_add(1, Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        times.sum_micros.fetch_add(micros, Relaxed);
    }

    /// A Redis command failed or timed out.
    pub fn redis_error(&self, op: RedisOp) {
        self.redis_errors[op as usize].fetch_add(1, Relaxed);
    }

    /// Redis answered (`true`) or stopped answering.
    pub fn redis_up(&self, up: bool) {
        self.redis_up
            .get_or_init(|| AtomicU64::new(0))
            .store(u64::from(up), Relaxed);
    }

    /// The counters of the account at `index` (the order given to [`Metrics::new`]).
    pub fn account(&self, index: usize) -> Option<std::sync::Arc<AccountMetrics>> {
        self.accounts.get(index).map(|(_, m)| m.clone())
    }

    /// A request named an account that is not configured.
    pub fn unknown_account(&self) {
        self.unknown_account.fetch_add(1, Relaxed);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096 + self.accounts.len() * 2048);
        let header = |out: &mut String, name: &str, help: &str, kind: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };

        let counters: [(&str, &str, CounterOf); 2] = [
            (
                "wxgate_messages_total",
                "Pushes accepted (verified and parsed), duplicates included.",
                |m| &m.messages,
            ),
            (
                "wxgate_duplicates_total",
                "Pushes recognised as WeChat retries of one already seen.",
                |m| &m.duplicates,
            ),
        ];
        for (name, help, counter) in counters {
            header(&mut out, name, help, "counter");
            for (account, m) in &self.accounts {
                let v = counter(m).load(Relaxed);
                let _ = writeln!(out, "{name}{{account=\"{account}\"}} {v}");
            }
        }

        // Families with one more label: (name, help, label, that label's values per account).
        let labelled: [(&str, &str, &str, LabelledOf); 5] = [
            (
                "wxgate_rejected_total",
                "Requests refused, by reason.",
                "reason",
                |m| {
                    Reason::ALL
                        .iter()
                        .map(|r| (r.as_str(), m.rejected[r.index()].load(Relaxed)))
                        .collect()
                },
            ),
            (
                "wxgate_handler_failures_total",
                "Handlers that panicked, missed the callback deadline or returned an error.",
                "kind",
                |m| {
                    Failure::ALL
                        .iter()
                        .map(|f| (f.as_str(), m.failures[*f as usize].load(Relaxed)))
                        .collect()
                },
            ),
            (
                "wxgate_upstream_failures_total",
                "Forwards to upstream bots that gave no usable answer, by reason.",
                "reason",
                |m| {
                    UpstreamFailure::ALL
                        .iter()
                        .map(|f| (f.as_str(), m.upstream_failures[*f as usize].load(Relaxed)))
                        .collect()
                },
            ),
            (
                "wxgate_pushed_replies_total",
                "Replies sent through the customer-service API (late or for JSON pushes), by result.",
                "result",
                |m| {
                    vec![
                        ("ok", m.pushed.load(Relaxed)),
                        ("error", m.push_failures.load(Relaxed)),
                    ]
                },
            ),
            (
                "wxgate_logins_total",
                "\"Log in with WeChat\" (OpenID Connect) logins, by step reached.",
                "step",
                |m| {
                    LoginStep::ALL
                        .iter()
                        .map(|s| (s.as_str(), m.logins[*s as usize].load(Relaxed)))
                        .collect()
                },
            ),
        ];
        for (name, help, label, values) in labelled {
            header(&mut out, name, help, "counter");
            for (account, m) in &self.accounts {
                for (value, v) in values(m) {
                    let _ = writeln!(
                        out,
                        "{name}{{account=\"{account}\",{label}=\"{value}\"}} {v}"
                    );
                }
            }
        }

        header(
            &mut out,
            "wxgate_handling_seconds",
            "Time from receiving an accepted push to sending its answer.",
            "histogram",
        );
        for (account, m) in &self.accounts {
            let h = &m.handling;
            let mut cumulative = 0;
            for (i, le) in BUCKETS.iter().enumerate() {
                cumulative += h.counts[i].load(Relaxed);
                let _ = writeln!(
                    out,
                    "wxgate_handling_seconds_bucket{{account=\"{account}\",le=\"{le}\"}} {cumulative}"
                );
            }
            cumulative += h.counts[BUCKETS.len()].load(Relaxed);
            let sum = h.sum_micros.load(Relaxed) as f64 / 1e6;
            let _ = writeln!(
                out,
                "wxgate_handling_seconds_bucket{{account=\"{account}\",le=\"+Inf\"}} {cumulative}\n\
                 wxgate_handling_seconds_sum{{account=\"{account}\"}} {sum}\n\
                 wxgate_handling_seconds_count{{account=\"{account}\"}} {cumulative}"
            );
        }

        self.render_outbox(&mut out);

        let _ = writeln!(
            out,
            "# HELP wxgate_unknown_account_total Requests for an account that is not configured.\n\
             # TYPE wxgate_unknown_account_total counter\n\
             wxgate_unknown_account_total {}",
            self.unknown_account.load(Relaxed)
        );
        if let Some(up) = self.redis_up.get() {
            let _ = writeln!(
                out,
                "# HELP wxgate_redis_up Whether Redis answered the last command (1) or not (0).\n\
                 # TYPE wxgate_redis_up gauge\n\
                 wxgate_redis_up {}",
                up.load(Relaxed)
            );
            header(
                &mut out,
                "wxgate_redis_errors_total",
                "Redis commands that failed or timed out (the gateway fell back to local state), by operation.",
                "counter",
            );
            for op in RedisOp::ALL {
                let v = self.redis_errors[op as usize].load(Relaxed);
                let _ = writeln!(
                    out,
                    "wxgate_redis_errors_total{{op=\"{}\"}} {v}",
                    op.as_str()
                );
            }
        }
        out
    }

    /// The outbox's families: depth, sends and send times.
    fn render_outbox(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP wxgate_outbox_depth Outbox messages queued or being sent (refreshed every few seconds).\n\
             # TYPE wxgate_outbox_depth gauge"
        );
        for (account, m) in &self.accounts {
            let v = m.outbox_depth.load(Relaxed);
            let _ = writeln!(out, "wxgate_outbox_depth{{account=\"{account}\"}} {v}");
        }
        let _ = writeln!(
            out,
            "# HELP wxgate_outbox_sends_total Calls to WeChat for outbox messages, by kind and result.\n\
             # TYPE wxgate_outbox_sends_total counter"
        );
        for (account, m) in &self.accounts {
            for kind in SEND_KINDS {
                for result in SendResult::ALL {
                    let v = m.outbox_sends[kind_index(kind)][result as usize].load(Relaxed);
                    let _ = writeln!(
                        out,
                        "wxgate_outbox_sends_total{{account=\"{account}\",kind=\"{}\",result=\"{}\"}} {v}",
                        kind.as_str(),
                        result.as_str()
                    );
                }
            }
        }
        let _ = writeln!(
            out,
            "# HELP wxgate_outbox_send_seconds Time of each call to WeChat for an outbox message.\n\
             # TYPE wxgate_outbox_send_seconds histogram"
        );
        let times = &self.outbox_send_times;
        let mut cumulative = 0;
        for (i, le) in SEND_BUCKETS.iter().enumerate() {
            cumulative += times.counts[i].load(Relaxed);
            let _ = writeln!(
                out,
                "wxgate_outbox_send_seconds_bucket{{le=\"{le}\"}} {cumulative}"
            );
        }
        cumulative += times.counts[SEND_BUCKETS.len()].load(Relaxed);
        let sum = times.sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "wxgate_outbox_send_seconds_bucket{{le=\"+Inf\"}} {cumulative}\n\
             wxgate_outbox_send_seconds_sum {sum}\n\
             wxgate_outbox_send_seconds_count {cumulative}"
        );
    }
}

/// The overview's figures: per account and summed over all ([`Metrics::snapshot`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Snapshot {
    /// One per account, in config order.
    pub accounts: Vec<AccountFigures>,
    /// Every account together (`account` is empty; the quantiles are those of all pushes).
    pub total: AccountFigures,
}

/// What one account's counters say, for people: totals since start, the recent push rate and
/// the handling time's quantiles.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AccountFigures {
    /// The account's name.
    pub account: String,
    /// Pushes accepted since start (duplicates included).
    pub pushes: u64,
    /// Pushes per minute over the last minute or so.
    pub pushes_per_minute: f64,
    /// WeChat's retries recognised.
    pub duplicates: u64,
    /// Requests refused, by reason (every reason, zeros included).
    pub rejections: std::collections::BTreeMap<&'static str, u64>,
    /// Handlers that failed, by kind (`panic`, `deadline`, `error`).
    pub handler_failures: std::collections::BTreeMap<&'static str, u64>,
    /// Replies that missed the passive reply and went out through the customer-service API
    /// (sent or failed): the answers that came late.
    pub late_replies: u64,
    /// Median handling time in milliseconds, estimated from the histogram's buckets; `None`
    /// before the first push.
    pub p50_ms: Option<f64>,
    /// 99th percentile of the handling time in milliseconds, likewise.
    pub p99_ms: Option<f64>,
}

impl AccountFigures {
    fn empty(name: &str) -> Self {
        AccountFigures {
            account: name.to_owned(),
            pushes: 0,
            pushes_per_minute: 0.0,
            duplicates: 0,
            rejections: Reason::ALL.iter().map(|r| (r.as_str(), 0)).collect(),
            handler_failures: Failure::ALL.iter().map(|f| (f.as_str(), 0)).collect(),
            late_replies: 0,
            p50_ms: None,
            p99_ms: None,
        }
    }

    fn of(name: &str, m: &AccountMetrics) -> Self {
        let buckets: Vec<u64> = m.handling.counts.iter().map(|c| c.load(Relaxed)).collect();
        AccountFigures {
            account: name.to_owned(),
            pushes: m.messages.load(Relaxed),
            pushes_per_minute: 0.0,
            duplicates: m.duplicates.load(Relaxed),
            rejections: Reason::ALL
                .iter()
                .map(|r| (r.as_str(), m.rejected[r.index()].load(Relaxed)))
                .collect(),
            handler_failures: Failure::ALL
                .iter()
                .map(|f| (f.as_str(), m.failures[*f as usize].load(Relaxed)))
                .collect(),
            late_replies: m.pushed.load(Relaxed) + m.push_failures.load(Relaxed),
            p50_ms: quantile_ms(&buckets, 0.5),
            p99_ms: quantile_ms(&buckets, 0.99),
        }
    }

    /// Adds `other`'s counts (not its quantiles) to these.
    fn add(&mut self, other: &AccountFigures) {
        self.pushes += other.pushes;
        self.pushes_per_minute += other.pushes_per_minute;
        self.duplicates += other.duplicates;
        for (reason, n) in &other.rejections {
            *self.rejections.entry(reason).or_default() += n;
        }
        for (kind, n) in &other.handler_failures {
            *self.handler_failures.entry(kind).or_default() += n;
        }
        self.late_replies += other.late_replies;
    }

    /// Every rejection, whatever the reason.
    pub fn rejections_total(&self) -> u64 {
        self.rejections.values().sum()
    }

    /// Every handler failure, whatever the kind.
    pub fn handler_failures_total(&self) -> u64 {
        self.handler_failures.values().sum()
    }
}

/// The `q` quantile (0..1) of a histogram with [`BUCKETS`] (and the overflow bucket last), in
/// milliseconds: linear within the bucket it falls in, as Prometheus' `histogram_quantile`
/// estimates it; the overflow bucket answers its lower bound. `None` when it is empty.
fn quantile_ms(counts: &[u64], q: f64) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let mut below = 0u64;
    for (i, &count) in counts.iter().enumerate() {
        if count > 0 && (below + count) as f64 >= rank {
            let Some(&upper) = BUCKETS.get(i) else {
                return BUCKETS.last().map(|le| le * 1000.0);
            };
            let lower = if i == 0 { 0.0 } else { BUCKETS[i - 1] };
            let within = ((rank - below as f64) / count as f64).clamp(0.0, 1.0);
            return Some((lower + (upper - lower) * within) * 1000.0);
        }
        below += count;
    }
    BUCKETS.last().map(|le| le * 1000.0)
}

/// The pushes per account at recent snapshots, to tell the rate over the last minute.
#[derive(Debug)]
struct PushSamples {
    /// When the counters started (monotonic milliseconds).
    started_ms: u64,
    /// `(when, pushes per account)`, oldest first, none older than [`RATE_WINDOW_MS`] but the
    /// newest.
    samples: std::collections::VecDeque<(u64, Vec<u64>)>,
}

/// The push rate is measured over about this long.
const RATE_WINDOW_MS: u64 = 60_000;

/// At most this many samples are kept (one every half second over the window).
const MAX_PUSH_SAMPLES: usize = 120;

impl PushSamples {
    /// Records `counts` at `now_ms` and answers each account's pushes per minute since the
    /// oldest sample of the window (since start when there is none).
    fn rates(&mut self, now_ms: u64, counts: Vec<u64>) -> Vec<f64> {
        let window_start = now_ms.saturating_sub(RATE_WINDOW_MS);
        while self.samples.len() > 1
            && self
                .samples
                .front()
                .is_some_and(|(at, _)| *at < window_start)
        {
            self.samples.pop_front();
        }
        let (base_at, base) = match self.samples.front() {
            Some((at, base)) => (*at, base.clone()),
            None => (self.started_ms, vec![0; counts.len()]),
        };
        let elapsed = now_ms.saturating_sub(base_at).max(1000) as f64;
        let rates = counts
            .iter()
            .zip(base.iter().chain(std::iter::repeat(&0)))
            .map(|(now, then)| now.saturating_sub(*then) as f64 * 60_000.0 / elapsed)
            .collect();
        // Samples closer together than half a second add nothing.
        if self.samples.back().is_none_or(|(at, _)| now_ms >= at + 500) {
            if self.samples.len() == MAX_PUSH_SAMPLES {
                self.samples.pop_front();
            }
            self.samples.push_back((now_ms, counts));
        }
        rates
    }
}

#[cfg(test)]
#[path = "metrics_test.rs"]
mod tests;
