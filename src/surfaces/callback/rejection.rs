//! The one place where errors become HTTP answers: each step's error maps to a metrics reason,
//! and each reason to a status. The body says what was wrong, so a developer testing their
//! callback sees why; nothing secret is ever in it.

use actix_web::{HttpResponse, http::StatusCode};

use crate::envelope::{EnvelopeError, QueryError};
use crate::http::body::BodyError;
use crate::metrics::Reason;

/// A refused request.
#[derive(Debug)]
pub struct Rejection {
    /// Why, as counted in `wxgate_rejected_total`.
    pub reason: Reason,
    /// What was wrong, for the log and the response body.
    pub detail: String,
}

impl Rejection {
    /// The HTTP status for this rejection.
    pub fn status(&self) -> StatusCode {
        match self.reason {
            Reason::Signature | Reason::AppId | Reason::Stale => StatusCode::FORBIDDEN,
            Reason::Decrypt | Reason::Parse | Reason::BadRequest => StatusCode::BAD_REQUEST,
            Reason::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Reason::Timeout => StatusCode::REQUEST_TIMEOUT,
        }
    }

    /// The response sent to the client.
    pub fn response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status());
        if matches!(self.reason, Reason::TooLarge | Reason::Timeout) {
            // The rest of the body was never read: the connection cannot carry another request.
            response.force_close();
        }
        response
            .content_type("text/plain; charset=utf-8")
            .body(format!("{}\n", self.detail))
    }

    /// A rejection; control characters in `detail` (which can quote what the client sent) are
    /// escaped, so a detail is always one line of the log and of the answer.
    fn new(reason: Reason, detail: impl ToString) -> Self {
        let detail = detail.to_string();
        let detail = if detail.chars().any(char::is_control) {
            detail
                .chars()
                .map(|c| {
                    if c.is_control() {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        } else {
            detail
        };
        Rejection { reason, detail }
    }
}

impl From<QueryError> for Rejection {
    fn from(e: QueryError) -> Self {
        Rejection::new(Reason::BadRequest, e)
    }
}

impl From<BodyError> for Rejection {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::TooLarge { .. } => Rejection::new(Reason::TooLarge, e),
            BodyError::Timeout => Rejection::new(Reason::Timeout, e),
            BodyError::Read(_) => Rejection::new(Reason::BadRequest, e),
        }
    }
}

impl From<EnvelopeError> for Rejection {
    fn from(e: EnvelopeError) -> Self {
        let reason = match &e {
            EnvelopeError::Query(_) => Reason::BadRequest,
            EnvelopeError::Signature(_) | EnvelopeError::Mode { .. } => Reason::Signature,
            EnvelopeError::Stale { .. } => Reason::Stale,
            EnvelopeError::Wire(_) | EnvelopeError::MissingEncrypt => Reason::Parse,
            EnvelopeError::Decrypt(d) if d.is_appid_mismatch() => Reason::AppId,
            EnvelopeError::Decrypt(_) => Reason::Decrypt,
        };
        Rejection::new(reason, e)
    }
}

impl From<wxgate_handlers::MessageError> for Rejection {
    fn from(e: wxgate_handlers::MessageError) -> Self {
        Rejection::new(Reason::Parse, e)
    }
}
