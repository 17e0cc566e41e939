//! The HTTP surfaces: each one a module that registers its own routes and takes what it needs
//! from the shared [`State`](crate::state::State). None imports another, nor the server that
//! mounts them.
//!
//! | surface | paths | who calls it |
//! |---|---|---|
//! | [`callback`] | `/wx/{account}` | WeChat: every message and event (answered in front of the `App`) |
//! | [`admin`] | `/admin/accounts/...` | scripts with the admin bearer token: menus, QR codes |
//! | [`console`] | `/admin/...` (all but `/admin/accounts`) | admins in a browser: sign-in, overview, audit log |
//! | [`miniprogram`] | `/mp/{account}/...` | mini programs: sessions, phone numbers, decrypted user data |
//! | [`jssdk`] | `/jssdk/{account}/signature` | web pages of an official account: JS-SDK `wx.config` |
//! | [`oidc`] | `/oidc/{account}/...` | browsers and web apps: "Log in with WeChat" (OpenID Connect) |
//! | [`send`] | `/api/accounts/{account}/messages` | apps (HTTP Basic): template, subscribe and customer-service messages through the outbox |
//! | [`ops`] | `/healthz`, `/metrics` | load balancers and Prometheus |

pub mod admin;
pub mod callback;
pub mod console;
pub mod jssdk;
pub mod miniprogram;
pub mod oidc;
pub mod ops;
pub mod send;

use actix_web::web;

/// Registers every surface served by the actix-web `App` (all but the callback, which the
/// server answers in front of it).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(ops::routes)
        .configure(admin::routes)
        // After the admin API: its scope takes /admin/accounts, the console the rest of /admin.
        .configure(console::routes)
        .configure(oidc::routes)
        .configure(miniprogram::routes)
        .configure(jssdk::routes)
        .configure(send::routes);
}
