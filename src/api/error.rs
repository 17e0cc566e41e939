//! Why a server API call failed.

/// Why a server API call failed. No variant ever carries the app secret or a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// WeChat answered with a non-zero `errcode`.
    #[error("WeChat refused the call: errcode {errcode} ({errmsg})")]
    WeChat {
        /// WeChat's error code, e.g. 40013 for an invalid AppID.
        errcode: i64,
        /// WeChat's explanation.
        errmsg: String,
    },
    /// No answer within the HTTP client's timeout.
    #[error("the WeChat API did not answer in time; try again later")]
    Timeout,
    /// The connection failed or broke off.
    #[error("cannot reach the WeChat API: {0}")]
    Unreachable(String),
    /// An HTTP status other than 2xx.
    #[error("the WeChat API answered HTTP status {0}")]
    Status(u16),
    /// An answer that is not what WeChat documents (not JSON, missing fields, too large).
    #[error("unexpected answer from the WeChat API: {0}")]
    BadResponse(String),
    /// Something the API cannot do.
    #[error("not possible through the WeChat API: {0}")]
    Unsupported(&'static str),
}

impl ApiError {
    /// WeChat's error code, for [`ApiError::WeChat`].
    pub fn errcode(&self) -> Option<i64> {
        match self {
            ApiError::WeChat { errcode, .. } => Some(*errcode),
            _ => None,
        }
    }

    /// Whether WeChat rejected the access token: invalid (40001, 40014) or expired (42001).
    pub(super) fn is_token_rejected(&self) -> bool {
        matches!(self.errcode(), Some(40001 | 40014 | 42001))
    }
}
