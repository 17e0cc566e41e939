//! WeChat web OAuth.
