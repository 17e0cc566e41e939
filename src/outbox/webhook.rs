//! Status webhooks.
