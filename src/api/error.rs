//! Why a server API call failed: [`ApiError`], defined in the handlers crate (handlers call the
//! API too) and re-exported here.

pub use wxgate_handlers::api::ApiError;

/// Whether WeChat rejected the access token: invalid (40001, 40014) or expired (42001).
pub(super) fn is_token_rejected(error: &ApiError) -> bool {
    matches!(error.errcode(), Some(40001 | 40014 | 42001))
}
