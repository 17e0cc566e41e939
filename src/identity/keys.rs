//! The signing keys.
