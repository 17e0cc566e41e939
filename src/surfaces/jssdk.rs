//! `GET /jssdk/{account}/signature?url=<page URL>`: the `wx.config` values a web page of an
//! official account needs for the JS-SDK, signed with the account's `jsapi_ticket` (cached,
//! fetched once for every caller and, through Redis, for every instance). Only pages on the
//! account's `js_domains` are signed, and only those origins get CORS headers: a page elsewhere
//! can neither get a signature nor read one.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use rand::Rng as _;
use rand::distr::Alphanumeric;
use serde_json::json;

use crate::account::Account;
use crate::clock::unix_secs;
use crate::config::AccountKind;
use crate::crypto::miniprogram::jssdk_signature;
use crate::http::json_error::JsonError;
use crate::state::State;

/// The longest page URL signed.
const MAX_URL_LEN: usize = 4096;

/// Registers the route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/jssdk/{account}/signature", web::get().to(signature));
}

/// The `host[:port]` of an http(s) URL, lower-cased, if it has one.
fn authority(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let host = parsed.host_str()?.to_ascii_lowercase();
    Some(match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// Whether pages at `authority` may use the account's JS-SDK.
fn allowed(account: &Account, authority: &str) -> bool {
    account.js_domains.iter().any(|domain| domain == authority)
}

async fn signature(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<String>,
) -> Result<HttpResponse, JsonError> {
    let name = path.into_inner();
    let account = state
        .account(&name)
        .filter(|account| account.kind == AccountKind::Official && !account.js_domains.is_empty())
        .ok_or_else(|| JsonError::not_found("no JS-SDK for this account"))?;
    let url = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(key, _)| key == "url")
        .map(|(_, value)| value.into_owned())
        .filter(|url| !url.is_empty())
        .ok_or_else(|| JsonError::bad_request("url is missing (?url=<the page URL>)"))?;
    if url.len() > MAX_URL_LEN {
        return Err(JsonError::bad_request(format!(
            "url is longer than {MAX_URL_LEN} bytes"
        )));
    }
    let page = authority(&url)
        .ok_or_else(|| JsonError::bad_request("url is not an absolute http(s) URL"))?;
    if !allowed(account, &page) {
        return Err(JsonError::forbidden(format!(
            "{page} is not in the account's js_domains"
        )));
    }
    let api = account
        .api
        .as_ref()
        .ok_or_else(|| JsonError::not_found("no JS-SDK for this account (no secret)"))?;
    let ticket = api
        .jsapi_ticket()
        .await
        .map_err(|e| JsonError::wechat(&e))?;
    let nonce: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(16)
        .map(char::from)
        .collect();
    let timestamp = unix_secs();
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    response.insert_header((header::VARY, "Origin"));
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|origin| origin.to_str().ok());
    if let Some(origin) = origin.filter(|o| authority(o).is_some_and(|a| allowed(account, &a))) {
        response.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin));
    }
    Ok(response.json(json!({
        "appId": account.appid,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": jssdk_signature(&ticket, &nonce, timestamp, &url),
    })))
}

#[cfg(test)]
#[path = "jssdk_test.rs"]
mod tests;
