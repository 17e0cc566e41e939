//! Short-lived grants shared through Redis.
