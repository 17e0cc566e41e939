//! Black-box tests of the callback server through HTTP, against a real gateway on loopback.

mod common;
#[path = "../support/redis.rs"]
mod redis_server;

mod admin;
mod admin_conditional;
mod cluster;
mod console_simulator;
mod dedup;
mod encrypted;
mod handlers;
mod handshake;
mod hostile;
mod late;
mod limits;
mod ops;
mod plain;
mod postgres;
mod slow;
mod tokens;
