//! Black-box tests of the callback server through HTTP, against a real gateway on loopback.

mod common;

mod admin;
mod dedup;
mod encrypted;
mod handlers;
mod handshake;
mod hostile;
mod late;
mod limits;
mod ops;
mod plain;
mod slow;
