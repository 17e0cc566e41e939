//! Step 2: reading a POST body without ever holding more than `max_body_bytes`. A declared
//! Content-Length over the limit is refused before reading; a chunked or lying body is refused
//! as soon as it crosses the limit.

use actix_web::{HttpRequest, http::header, web};
use bytes::BytesMut;
use futures_util::StreamExt;

/// Why the body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The body is larger than the limit.
    #[error("body is larger than max_body_bytes ({limit} bytes)")]
    TooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The connection failed or the framing was broken while reading.
    #[error("could not read the body: {0}")]
    Read(String),
}

/// Reads the whole body, at most `limit` bytes.
pub async fn read_limited(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, BodyError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = BytesMut::with_capacity(declared.map_or(1024, |len| len as usize));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| BodyError::Read(e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
