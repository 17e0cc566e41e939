//! Per-address throttling.
