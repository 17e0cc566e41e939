//! The client address.
