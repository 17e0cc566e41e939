//! Group commit of accepted messages.
