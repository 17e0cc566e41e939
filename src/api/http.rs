//! One HTTP exchange with the server API: build the URL, send, read a bounded answer, check
//! `errcode`. Every error is scrubbed of the URL and of the credentials it carried.

use reqwest::Method;
use reqwest::multipart::Form;
use serde_json::{Map, Value};

use super::error::ApiError;

/// The largest answer read from the API; WeChat's are a few KiB.
pub(super) const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// What stands in for a credential found in a message.
const REDACTED: &str = "[redacted]";

/// One request to the API.
pub(super) struct Request<'a> {
    /// GET or POST.
    pub method: Method,
    /// The path below the API base, e.g. `/cgi-bin/menu/get`; logged.
    pub path: &'static str,
    /// Query parameters; never logged (they carry `secret` or `access_token`).
    pub query: &'a [(&'a str, &'a str)],
    /// The JSON body of a POST.
    pub body: Option<&'a Value>,
    /// Credentials that must not appear in an error message.
    pub secrets: &'a [&'a str],
    /// Non-zero errcodes whose answer is returned like a success, for the caller to read
    /// (errcode 45065 of a template message sent twice names the first one's msgid); mostly
    /// none.
    pub data_errcodes: &'a [i64],
}

/// Sends `request` to `api_base` and returns WeChat's JSON object when its `errcode` is absent
/// or zero.
pub(super) async fn exchange(
    http: &reqwest::Client,
    api_base: &str,
    request: Request<'_>,
) -> Result<Map<String, Value>, ApiError> {
    let result = send(http, api_base, &request, None).await;
    log(&request, &result);
    result
}

/// Like [`exchange`], sending `form` as a `multipart/form-data` body (a media upload).
pub(super) async fn exchange_multipart(
    http: &reqwest::Client,
    api_base: &str,
    request: Request<'_>,
    form: Form,
) -> Result<Map<String, Value>, ApiError> {
    let result = send(http, api_base, &request, Some(form)).await;
    log(&request, &result);
    result
}

/// Logs a call at debug level: method, path and errcode or error, never the URL.
fn log(request: &Request<'_>, result: &Result<Map<String, Value>, ApiError>) {
    match result {
        Ok(_) => {
            tracing::debug!(method = %request.method, path = request.path, errcode = 0, "WeChat API call")
        }
        Err(ApiError::WeChat { errcode, .. }) => {
            tracing::debug!(method = %request.method, path = request.path, errcode, "WeChat API call")
        }
        Err(error) => {
            tracing::debug!(method = %request.method, path = request.path, %error, "WeChat API call failed")
        }
    }
}

async fn send(
    http: &reqwest::Client,
    api_base: &str,
    request: &Request<'_>,
    form: Option<Form>,
) -> Result<Map<String, Value>, ApiError> {
    let mut builder = http.request(request.method.clone(), url(api_base, request));
    if let Some(body) = request.body {
        builder = builder.json(body);
    }
    if let Some(form) = form {
        builder = builder.multipart(form);
    }
    let response = builder
        .send()
        .await
        .map_err(|err| transport_error(err, request.secrets))?;
    let status = response.status();
    if !status.is_success() {
        return Err(ApiError::Status(status.as_u16()));
    }
    let body = read_bounded(response, request.secrets).await?;
    parse_answer(&body, request.secrets, request.data_errcodes)
}

/// `{api_base}{path}?{query}`, the query form-encoded.
pub(super) fn url(api_base: &str, request: &Request<'_>) -> String {
    let mut url = String::with_capacity(api_base.len() + request.path.len() + 128);
    url.push_str(api_base.trim_end_matches('/'));
    url.push_str(request.path);
    if !request.query.is_empty() {
        url.push('?');
        let start = url.len();
        let mut query = form_urlencoded::Serializer::for_suffix(url, start);
        query.extend_pairs(request.query);
        url = query.finish();
    }
    url
}

/// Reads the answer's body, refusing more than [`MAX_ANSWER_BYTES`].
async fn read_bounded(
    mut response: reqwest::Response,
    secrets: &[&str],
) -> Result<Vec<u8>, ApiError> {
    let too_large =
        || ApiError::BadResponse(format!("answer larger than {MAX_ANSWER_BYTES} bytes"));
    if response
        .content_length()
        .is_some_and(|len| len > MAX_ANSWER_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| transport_error(err, secrets))?
    {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// WeChat's answer as a JSON object; a non-zero `errcode` becomes [`ApiError::WeChat`], unless
/// it is one of `data_errcodes`.
pub(super) fn parse_answer(
    body: &[u8],
    secrets: &[&str],
    data_errcodes: &[i64],
) -> Result<Map<String, Value>, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|err| ApiError::BadResponse(format!("not JSON: {err}")))?;
    let Value::Object(answer) = value else {
        return Err(ApiError::BadResponse("not a JSON object".to_owned()));
    };
    let errcode = match answer.get("errcode") {
        None => 0,
        Some(code) => code
            .as_i64()
            .ok_or_else(|| ApiError::BadResponse("errcode is not an integer".to_owned()))?,
    };
    if errcode != 0 && !data_errcodes.contains(&errcode) {
        let errmsg = answer.get("errmsg").and_then(Value::as_str).unwrap_or("");
        return Err(ApiError::WeChat {
            errcode,
            errmsg: scrub(errmsg.to_owned(), secrets),
        });
    }
    Ok(answer)
}

/// A string field of an answer, required and non-empty.
pub(super) fn required_str(answer: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    match answer.get(field).and_then(Value::as_str) {
        Some(text) if !text.is_empty() => Ok(text.to_owned()),
        _ => Err(ApiError::BadResponse(format!(
            "answer has no `{field}` string"
        ))),
    }
}

/// Takes the required field `name` out of `answer`.
pub(super) fn field(answer: &mut Map<String, Value>, name: &str) -> Result<Value, ApiError> {
    answer
        .remove(name)
        .ok_or_else(|| ApiError::BadResponse(format!("answer has no `{name}`")))
}

/// `value` as the type WeChat documents it to be.
pub(super) fn typed<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|err| ApiError::BadResponse(err.to_string()))
}

/// How the message of an [`ApiError::Unreachable`] starts when no connection could be made, so
/// that the request was not sent ([`not_sent`]).
const NOT_CONNECTED: &str = "no connection: ";

/// Whether `error` is a connection that could not be made (refused, no route, TLS handshake,
/// connect timeout): the request never left, and sending it again cannot make it twice.
pub(super) fn not_sent(error: &ApiError) -> bool {
    matches!(error, ApiError::Unreachable(message) if message.starts_with(NOT_CONNECTED))
}

/// A reqwest error as an [`ApiError`], without the URL and without any credential. A connection
/// that could not be made is [`ApiError::Unreachable`] starting with [`NOT_CONNECTED`], even
/// when it was the connect timeout that ran out.
fn transport_error(err: reqwest::Error, secrets: &[&str]) -> ApiError {
    if err.is_timeout() && !err.is_connect() {
        return ApiError::Timeout;
    }
    let connect = err.is_connect();
    let err = err.without_url();
    let mut message = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    let message = scrub(message, secrets);
    if connect {
        ApiError::Unreachable(format!("{NOT_CONNECTED}{message}"))
    } else if err.is_body() || err.is_decode() {
        ApiError::BadResponse(message)
    } else {
        ApiError::Unreachable(message)
    }
}

/// `error` with every occurrence of a credential in its messages replaced, for a credential a
/// call sent in its body (where [`Request::secrets`] does not look).
pub(super) fn scrub_error(error: ApiError, secrets: &[&str]) -> ApiError {
    match error {
        ApiError::WeChat { errcode, errmsg } => ApiError::WeChat {
            errcode,
            errmsg: scrub(errmsg, secrets),
        },
        ApiError::Unreachable(message) => ApiError::Unreachable(scrub(message, secrets)),
        ApiError::BadResponse(message) => ApiError::BadResponse(scrub(message, secrets)),
        other => other,
    }
}

/// `message` with every occurrence of a credential replaced.
pub(super) fn scrub(mut message: String, secrets: &[&str]) -> String {
    for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
        if message.contains(secret) {
            message = message.replace(secret, REDACTED);
        }
    }
    message
}

#[cfg(test)]
#[path = "http_test.rs"]
mod tests;
