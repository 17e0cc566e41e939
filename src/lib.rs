//! wxgate: a callback gateway for WeChat official accounts and mini programs.
#![forbid(unsafe_code)]
