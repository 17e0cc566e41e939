//! Sending the browser on: to WeChat's authorize page, or back to the app's registered redirect
//! URI with a code or an OAuth error (RFC 6749 section 4.1.2), its `state`, and the issuer
//! (`iss`, RFC 9207, so an app using several providers knows which one answered).

use actix_web::HttpResponse;
use actix_web::http::header;

use super::records::AppRequest;

/// A 302 to `location` that no cache keeps and that leaks no referrer.
pub fn found(location: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .finish()
}

/// `redirect_uri` with `params` added to its query (after any query it already has).
fn with_query(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let mut uri = redirect_uri.to_owned();
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        serializer.append_pair(name, value);
    }
    uri.push(if uri.contains('?') { '&' } else { '?' });
    uri.push_str(&serializer.finish());
    uri
}

/// Back to the app with `code`.
pub fn code(app: &AppRequest, issuer: &str, code: &str) -> HttpResponse {
    let mut params = vec![("code", code)];
    if let Some(state) = &app.state {
        params.push(("state", state));
    }
    params.push(("iss", issuer));
    found(&with_query(&app.redirect_uri, &params))
}

/// Back to the app with the OAuth error `error` and a description for its developers.
pub fn error(app: &AppRequest, issuer: &str, error: &str, description: &str) -> HttpResponse {
    tracing::info!(client = %app.client_id, error, description, "OpenID Connect: login ended with an error for the app");
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(state) = &app.state {
        params.push(("state", state));
    }
    params.push(("iss", issuer));
    found(&with_query(&app.redirect_uri, &params))
}

/// WeChat's authorize page for `appid`, coming back to `callback` with `state`. The
/// parameters go in exactly this order, and the URL ends with `#wechat_redirect`: WeChat
/// checks both.
pub fn wechat_authorize(
    oauth_base: &str,
    appid: &str,
    callback: &str,
    profile: bool,
    state: &str,
) -> String {
    let scope = if profile {
        "snsapi_userinfo"
    } else {
        "snsapi_base"
    };
    let callback: String = form_urlencoded::byte_serialize(callback.as_bytes()).collect();
    format!(
        "{oauth_base}/connect/oauth2/authorize?appid={appid}&redirect_uri={callback}\
         &response_type=code&scope={scope}&state={state}#wechat_redirect"
    )
}

#[cfg(test)]
#[path = "redirect_test.rs"]
mod tests;
