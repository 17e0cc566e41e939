//! `wxgate bench --send`: requests to the send API instead of pushes. Each is a template
//! message to its own openid under its own `Idempotency-Key`, authenticated with the client's
//! id and secret (HTTP Basic), so every one is a new message the gateway must store before it
//! answers 202.

use std::net::SocketAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::pool::{Target, Unique};
use crate::tools::reachable;

/// The send API's answer to a message it accepted and stored.
pub const ACCEPTED: u16 = 202;

/// The `template_id` of every message sent.
pub const TEMPLATE_ID: &str = "bench-order-shipped";

/// The send API of `account` on a gateway listening on `listen`.
pub fn messages_url(listen: SocketAddr, account: &str) -> String {
    format!(
        "http://{}/api/accounts/{account}/messages",
        reachable(listen)
    )
}

/// The `Authorization` value for `--client ID:SECRET`.
pub fn authorization(client: &str) -> Result<String, String> {
    match client.split_once(':') {
        Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
            Ok(format!("Basic {}", STANDARD.encode(client)))
        }
        _ => Err(format!(
            "--client {client:?}: give the client's id and secret as ID:SECRET"
        )),
    }
}

/// The `Idempotency-Key` of message number `unique.index` of the run `unique.base`: unique
/// across runs as the MsgIds of pushes are.
pub fn idempotency_key(unique: Unique) -> String {
    format!("bench-{:x}", unique.msg_id())
}

/// The JSON body of message `unique`: a template message to its own openid.
pub fn body(unique: Unique) -> Vec<u8> {
    let number = unique.msg_id();
    json!({
        "kind": "template",
        "to": unique.openid(),
        "template_id": TEMPLATE_ID,
        "url": format!("https://shop.example.com/orders/{number}"),
        "data": {
            "first": { "value": "Your order has shipped", "color": "#173177" },
            "keyword1": { "value": number.to_string() },
            "keyword2": { "value": "SF Express 1234567890" },
            "remark": { "value": "Thank you for shopping with us." }
        }
    })
    .to_string()
    .into_bytes()
}

/// One framed `POST` of message `unique` to `target`.
pub fn request(target: &Target, authorization: &str, unique: Unique) -> Vec<u8> {
    use std::io::Write as _;
    let body = body(unique);
    let mut out = Vec::with_capacity(body.len() + 256);
    let _ = write!(
        out,
        "POST {} HTTP/1.1\r\nHost: {}\r\nAuthorization: {authorization}\r\n\
         Idempotency-Key: {}\r\nContent-Type: application/json\r\nUser-Agent: wxgate-bench\r\n\
         Content-Length: {}\r\n\r\n",
        target.path,
        target.authority,
        idempotency_key(unique),
        body.len()
    );
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
#[path = "send_test.rs"]
mod tests;
