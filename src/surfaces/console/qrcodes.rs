//! The QR codes of an account: the create form (scene, temporary or permanent, life), every
//! code with its scans and follows, the permanent-code quota used, and each code's image, drawn
//! by the gateway from the URL WeChat returned ([`super::qr_image`]): SVG on the page, PNG to
//! download. Creating goes through [`crate::manage::create_qrcode`] (checked, sent to WeChat,
//! stored, audited); a refused request shows the page again with its problems and what was
//! typed.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::audit::utc;
use super::error::ConsoleError;
use super::qr_image::{PNG_MODULE_PX, QrImage};
use super::session::{ConsoleSession, client_ip, form, state};
use super::{Page, html};
use crate::account::Account;
use crate::api::ApiError;
use crate::clock::unix_secs_i64;
use crate::manage::validate::{MAX_EXPIRE_SECONDS, MAX_PERMANENT_QRCODES, QrCodeSpec, SceneSpec};
use crate::manage::{self, ManageError, Problem, QrCode};

/// The most codes the page lists, newest first (the quota counts them all).
pub const LISTED: usize = 500;

/// The create form as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QrForm {
    /// The scene: digits without a leading zero make an integer scene (`scene_id`), anything
    /// else a string scene (`scene_str`).
    #[serde(default)]
    pub scene: String,
    /// `temporary` or `permanent`.
    #[serde(default)]
    pub kind: String,
    /// Life of a temporary code in seconds; empty for WeChat's longest (30 days).
    #[serde(default)]
    pub expire_seconds: String,
}

impl QrForm {
    /// The request the form makes, or the problems of fields that do not parse.
    pub fn request(&self) -> Result<QrCodeSpec, Vec<Problem>> {
        let mut problems = Vec::new();
        let scene = self.scene.trim();
        let digits = !scene.is_empty()
            && !scene.starts_with('0')
            && scene.bytes().all(|b| b.is_ascii_digit());
        let scene = match scene.parse::<i128>() {
            Ok(id) if digits => SceneSpec::Int(id),
            _ => SceneSpec::Str(scene.to_owned()),
        };
        let permanent = match self.kind.as_str() {
            "permanent" => true,
            "temporary" | "" => false,
            _ => {
                problems.push(problem("kind", "kind is temporary or permanent"));
                false
            }
        };
        let expire = self.expire_seconds.trim();
        let expire_seconds = if permanent || expire.is_empty() {
            None
        } else {
            match expire.parse::<i64>() {
                Ok(seconds) => Some(seconds),
                Err(_) => {
                    problems.push(problem(
                        "expire_seconds",
                        "expire_seconds is a whole number of seconds",
                    ));
                    None
                }
            }
        };
        if problems.is_empty() {
            Ok(QrCodeSpec {
                scene,
                permanent,
                expire_seconds,
            })
        } else {
            Err(problems)
        }
    }
}

fn problem(path: &str, message: &str) -> Problem {
    Problem {
        path: path.to_owned(),
        message: message.to_owned(),
    }
}

/// One code as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrRow {
    /// The code's id (its image's name).
    pub id: i64,
    /// Its scene.
    pub scene: String,
    /// Whether it is permanent.
    pub permanent: bool,
    /// When it was created (UTC text).
    pub created: String,
    /// When a temporary code expires (UTC text).
    pub expires: Option<String>,
    /// Whether a temporary code has expired.
    pub expired: bool,
    /// Scans by followers (`SCAN`).
    pub scans: i64,
    /// Follows through the code (`subscribe` with its scene).
    pub subscribes: i64,
}

impl QrRow {
    fn new(code: &QrCode, now: i64) -> QrRow {
        QrRow {
            id: code.id,
            scene: code.scene.clone(),
            permanent: code.permanent,
            created: utc(code.created_at),
            expires: code.expires_at.map(utc),
            expired: code.expires_at.is_some_and(|at| at <= now),
            scans: code.scans,
            subscribes: code.subscribes,
        }
    }
}

/// The page.
#[derive(Template)]
#[template(path = "console/qrcodes.html")]
struct QrTemplate {
    page: Page,
    account: String,
    codes: Vec<QrRow>,
    /// Codes the account has beyond those listed.
    more: usize,
    permanent: i64,
    max_permanent: i64,
    max_expire: u32,
    form: QrForm,
    problems: Vec<Problem>,
    /// What went wrong beyond the fields (no AppSecret, WeChat refused).
    error: Option<String>,
    /// The code just created, after the redirect.
    created: Option<i64>,
}

impl QrTemplate {
    /// The problems at `path`.
    fn problems_at(&self, path: &str) -> Vec<&str> {
        self.problems
            .iter()
            .filter(|p| p.path == path)
            .map(|p| p.message.as_str())
            .collect()
    }

    /// Whether `code` is the one just created.
    fn is_created(&self, code: &QrRow) -> bool {
        self.created == Some(code.id)
    }

    /// Problems at paths the form has no field for.
    fn other_problems(&self) -> Vec<&Problem> {
        self.problems
            .iter()
            .filter(|p| !["scene", "kind", "expire_seconds"].contains(&p.path.as_str()))
            .collect()
    }
}

/// The page's query after a create.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    /// The id of the code just created.
    pub created: Option<i64>,
}

/// The account named in the path, or 404.
fn account<'s>(
    state: &'s crate::state::State,
    req: &HttpRequest,
) -> Result<&'s std::sync::Arc<Account>, ConsoleError> {
    let name = req.match_info().get("account").unwrap_or_default();
    state.account(name).ok_or(ConsoleError::NotFound)
}

/// `GET /admin/qrcodes/{account}`.
pub async fn page(
    req: HttpRequest,
    session: ConsoleSession,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let form = QrForm {
        kind: "temporary".to_owned(),
        ..QrForm::default()
    };
    let outcome = Outcome {
        status: StatusCode::OK,
        form,
        problems: Vec::new(),
        error: None,
        created: query.created,
    };
    show(&req, &session, outcome).await
}

/// How a page shows after a request.
struct Outcome {
    status: StatusCode,
    form: QrForm,
    problems: Vec<Problem>,
    error: Option<String>,
    created: Option<i64>,
}

async fn show(
    req: &HttpRequest,
    session: &ConsoleSession,
    outcome: Outcome,
) -> Result<HttpResponse, ConsoleError> {
    let state = state(req)?;
    let account = account(state, req)?;
    let codes = manage::qrcodes(&state.store, account)
        .await
        .map_err(store_only)?;
    let permanent = manage::permanent_qrcodes(&state.store, account)
        .await
        .map_err(store_only)?;
    let now = unix_secs_i64();
    let rows: Vec<QrRow> = codes
        .iter()
        .rev()
        .take(LISTED)
        .map(|code| QrRow::new(code, now))
        .collect();
    let template = QrTemplate {
        page: Page::new(req, session, "qrcodes"),
        account: account.name.to_string(),
        more: codes.len().saturating_sub(rows.len()),
        codes: rows,
        permanent,
        max_permanent: MAX_PERMANENT_QRCODES,
        max_expire: MAX_EXPIRE_SECONDS,
        form: outcome.form,
        problems: outcome.problems,
        error: outcome.error,
        created: outcome.created,
    };
    Ok(HttpResponse::build(outcome.status)
        .content_type(html())
        .body(template.render()?))
}

/// A store failure of a read; reads fail no other way.
fn store_only(error: ManageError) -> ConsoleError {
    match error {
        ManageError::Store(error) => ConsoleError::Store(error),
        other => ConsoleError::Internal(other.to_string()),
    }
}

/// `POST /admin/qrcodes/{account}`: creates a code, then back to the list (303) showing it;
/// a refused request shows the form again with why (422, or 502/504 when WeChat refused or
/// did not answer).
pub async fn create(
    req: HttpRequest,
    session: ConsoleSession,
    payload: web::Payload,
) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    let account = account(state, &req)?;
    let posted: QrForm = form(&req, payload, &session).await?;
    let request = match posted.request() {
        Ok(request) => request,
        Err(problems) => {
            return refused(
                &req,
                &session,
                posted,
                StatusCode::UNPROCESSABLE_ENTITY,
                problems,
                None,
            )
            .await;
        }
    };
    let ip = client_ip(&req);
    let by = session.actor(&ip);
    let lang = session.lang;
    match manage::create_qrcode(&state.store, account, &request, &by).await {
        Ok(code) => Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/admin/qrcodes/{}?created={}", account.name, code.id),
            ))
            .finish()),
        Err(ManageError::Invalid(problems)) => {
            refused(
                &req,
                &session,
                posted,
                StatusCode::UNPROCESSABLE_ENTITY,
                problems,
                None,
            )
            .await
        }
        Err(ManageError::NoSecret(_)) => {
            let text = super::i18n::t(lang, "qr.no_secret").to_owned();
            refused(
                &req,
                &session,
                posted,
                StatusCode::UNPROCESSABLE_ENTITY,
                Vec::new(),
                Some(text),
            )
            .await
        }
        Err(ManageError::WeChat { error, .. }) => {
            let status = if error == ApiError::Timeout {
                StatusCode::GATEWAY_TIMEOUT
            } else {
                StatusCode::BAD_GATEWAY
            };
            let text = format!("{}: {error}", super::i18n::t(lang, "qr.wechat_refused"));
            refused(&req, &session, posted, status, Vec::new(), Some(text)).await
        }
        Err(ManageError::Store(error)) => Err(ConsoleError::Store(error)),
        Err(other) => Err(ConsoleError::Internal(other.to_string())),
    }
}

async fn refused(
    req: &HttpRequest,
    session: &ConsoleSession,
    form: QrForm,
    status: StatusCode,
    problems: Vec<Problem>,
    error: Option<String>,
) -> Result<HttpResponse, ConsoleError> {
    show(
        req,
        session,
        Outcome {
            status,
            form,
            problems,
            error,
            created: None,
        },
    )
    .await
}

/// `GET /admin/qrcodes/{account}/{file}`: `ID.svg` (shown on the page) or `ID.png` (a
/// download) of one of the account's codes.
pub async fn image(
    req: HttpRequest,
    _session: ConsoleSession,
) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    let account = account(state, &req)?;
    let file = req.match_info().get("file").unwrap_or_default();
    let (id, svg) = match (file.strip_suffix(".svg"), file.strip_suffix(".png")) {
        (Some(id), _) => (id, true),
        (_, Some(id)) => (id, false),
        _ => return Err(ConsoleError::NotFound),
    };
    let id: i64 = id.parse().map_err(|_| ConsoleError::NotFound)?;
    let code = state
        .store
        .qrcode(&account.name, id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let image = QrImage::encode(&code.url).map_err(|error| {
        ConsoleError::Internal(format!("QR code {id} cannot be drawn: {error}"))
    })?;
    let mut response = HttpResponse::Ok();
    // A code's URL never changes: the image may be kept (by this browser only).
    response.insert_header((header::CACHE_CONTROL, "private, max-age=86400"));
    if svg {
        return Ok(response.content_type("image/svg+xml").body(image.svg()));
    }
    let png = image
        .png(PNG_MODULE_PX)
        .map_err(|error| ConsoleError::Internal(format!("QR code {id} as PNG: {error}")))?;
    Ok(response
        .content_type("image/png")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"qrcode-{}-{id}.png\"",
                file_safe(&account.name)
            ),
        ))
        .body(png))
}

/// `name` with every character but ASCII letters, digits, `-` and `_` replaced by `_`.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "qrcodes_test.rs"]
mod tests;
