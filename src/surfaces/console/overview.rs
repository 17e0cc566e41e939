//! The overview: every account with its mode, and the gateway's own counters as people read
//! them — pushes per minute, duplicates, rejections by reason, handler failures by kind, late
//! replies (answers that missed the passive reply and went out through the customer-service
//! API), handling time p50/p99 — with the status of Redis and the database. The page shows
//! them at once; `overview.js` reads `/admin/live.json` every 5 s and updates them in place.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Serialize;

use super::error::ConsoleError;
use super::session::{ConsoleSession, state};
use super::{Page, render};
use crate::metrics::{AccountFigures, Snapshot};
use crate::state::State;

/// What a dependency is doing: `ok`, `down` or `not_configured`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It answers.
    Ok,
    /// It does not answer.
    Down,
    /// The config does not use it.
    NotConfigured,
}

impl Status {
    /// The catalogue key of its label.
    pub fn key(self) -> &'static str {
        match self {
            Status::Ok => "status.ok",
            Status::Down => "status.down",
            Status::NotConfigured => "status.not_configured",
        }
    }

    /// The JSON word (`ok`, `down`, `not_configured`).
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Down => "down",
            Status::NotConfigured => "not_configured",
        }
    }
}

/// One account's figures (or all accounts' summed), as the page and `/admin/live.json` show
/// them: rates and times rounded to a tenth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// The account's name; empty for the sum.
    pub account: String,
    /// Pushes accepted since start.
    pub pushes: u64,
    /// Pushes per minute, lately.
    pub pushes_per_minute: f64,
    /// WeChat's retries recognised.
    pub duplicates: u64,
    /// Requests refused.
    pub rejections: u64,
    /// Requests refused, by reason.
    pub rejections_by_reason: BTreeMap<&'static str, u64>,
    /// Handlers that failed.
    pub handler_failures: u64,
    /// Handlers that failed, by kind.
    pub handler_failures_by_kind: BTreeMap<&'static str, u64>,
    /// Answers that missed the passive reply and went through the customer-service API.
    pub late_replies: u64,
    /// Median handling time (ms); `None` before the first push.
    pub p50_ms: Option<f64>,
    /// 99th percentile of the handling time (ms).
    pub p99_ms: Option<f64>,
}

impl Figures {
    fn of(figures: &AccountFigures) -> Figures {
        Figures {
            account: figures.account.clone(),
            pushes: figures.pushes,
            pushes_per_minute: tenth(figures.pushes_per_minute),
            duplicates: figures.duplicates,
            rejections: figures.rejections_total(),
            rejections_by_reason: figures.rejections.clone(),
            handler_failures: figures.handler_failures_total(),
            handler_failures_by_kind: figures.handler_failures.clone(),
            late_replies: figures.late_replies,
            p50_ms: figures.p50_ms.map(tenth),
            p99_ms: figures.p99_ms.map(tenth),
        }
    }

    /// The pushes per minute as shown.
    pub fn per_minute(&self) -> String {
        shown(Some(self.pushes_per_minute))
    }

    /// The median as shown.
    pub fn p50(&self) -> String {
        shown(self.p50_ms)
    }

    /// The 99th percentile as shown.
    pub fn p99(&self) -> String {
        shown(self.p99_ms)
    }
}

/// `value` rounded to a tenth.
fn tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The figures of the overview and of `/admin/live.json`.
#[derive(Debug, Serialize)]
pub struct Live {
    /// Every account together.
    pub total: Figures,
    /// Each account, in config order.
    pub accounts: Vec<Figures>,
    /// Redis: `ok`, `down` or `not_configured`.
    pub redis: Status,
    /// The database: `ok` or `down`.
    pub database: Status,
    /// When the figures were read (Unix seconds).
    pub at: u64,
}

/// Reads the figures now: the counters, Redis as its last command found it, the database
/// with `SELECT 1`.
async fn live_figures(state: &State) -> Live {
    let snapshot: Snapshot = state.metrics.snapshot(crate::clock::monotonic_millis());
    let redis = match state.metrics.redis_is_up() {
        None => Status::NotConfigured,
        Some(true) => Status::Ok,
        Some(false) => Status::Down,
    };
    let database = match state.store.ping().await {
        Ok(()) => Status::Ok,
        Err(error) => {
            tracing::warn!(%error, "the database does not answer the overview's ping");
            Status::Down
        }
    };
    Live {
        total: Figures::of(&snapshot.total),
        accounts: snapshot.accounts.iter().map(Figures::of).collect(),
        redis,
        database,
        at: crate::clock::unix_secs(),
    }
}

/// The overview page.
#[derive(Template)]
#[template(path = "console/overview.html")]
struct OverviewTemplate {
    page: Page,
    live: Live,
}

impl OverviewTemplate {
    /// The figures of `account`.
    fn figures(&self, account: &str) -> Option<&Figures> {
        self.live.accounts.iter().find(|f| f.account == account)
    }
}

/// A figure as the page shows it: whole numbers as they are, others to one decimal, none as
/// a dash.
pub fn shown(value: Option<f64>) -> String {
    match value {
        None => "–".to_owned(),
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
    }
}

/// `GET /admin/`: the overview.
pub async fn page(req: HttpRequest, session: ConsoleSession) -> Result<HttpResponse, ConsoleError> {
    let live = live_figures(state(&req)?).await;
    render(&OverviewTemplate {
        page: Page::new(&req, &session, "overview"),
        live,
    })
}

/// `GET /admin/live.json`: the overview's figures, for `overview.js`.
pub async fn live(req: HttpRequest, _: ConsoleSession) -> Result<HttpResponse, ConsoleError> {
    let live = live_figures(state(&req)?).await;
    Ok(HttpResponse::Ok().json(live))
}

#[cfg(test)]
#[path = "overview_test.rs"]
mod tests;
