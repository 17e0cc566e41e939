//! Short-lived grants.
