//! The admin API under `/admin/accounts`: menus, conditional menus and QR codes, JSON in and
//! out, behind a bearer token. A thin front over [`crate::manage`], where the rules, the store
//! and the audit log are: every change is audited with the actor `api` and the client address.
//! The rest of `/admin` belongs to the browser console.
//!
//! Order of checks: admin enabled (else 404 for everything), bearer token (401, compared in
//! constant time), account and route (404), body size (413) and arrival (408), JSON shape (400),
//! WeChat's rules (422), then the store and WeChat (502 when WeChat refuses, 504 when it does not
//! answer). Nothing is answered before the token is checked.
//!
//! The pattern every surface follows: handlers take the [`AdminAccount`] extractor (which does
//! the token check and the account lookup) and return `Result<HttpResponse, AdminError>`;
//! [`AdminError`] is the one place where this surface's errors become statuses and bodies.

mod auth;
pub mod conditional;
mod error;
pub mod menus;
pub mod qrcodes;

use actix_web::{HttpRequest, web};

pub use auth::{AdminAccount, AdminToken, ApiCaller};
pub use error::AdminError;

use crate::http::body::read_limited;

/// The largest admin request body.
pub const MAX_ADMIN_BODY_BYTES: usize = 1 << 20;

/// Registers the admin routes (before the console's, which takes the rest of `/admin`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin/accounts")
            .route("/{name}/menu", web::get().to(menus::current))
            .route("/{name}/menu", web::put().to(menus::put))
            .route("/{name}/menu", web::delete().to(menus::delete))
            .route("/{name}/menu/versions", web::get().to(menus::versions))
            .route(
                "/{name}/menu/versions/{version}/publish",
                web::post().to(menus::publish_version),
            )
            .route("/{name}/menu/conditional", web::get().to(conditional::list))
            .route("/{name}/menu/conditional", web::post().to(conditional::add))
            .route(
                "/{name}/menu/conditional/{menuid}",
                web::delete().to(conditional::delete),
            )
            .route(
                "/{name}/menu/trymatch",
                web::post().to(conditional::try_match),
            )
            .route("/{name}/qrcodes", web::get().to(qrcodes::list))
            .route("/{name}/qrcodes", web::post().to(qrcodes::create))
            .default_service(web::to(not_found)),
    );
}

/// Any other path or method under `/admin/accounts`: 404, once the token is checked.
async fn not_found(_: AdminToken) -> Result<actix_web::HttpResponse, AdminError> {
    Err(AdminError::NotFound("no such admin route".into()))
}

/// Reads a JSON body of at most [`MAX_ADMIN_BODY_BYTES`].
pub async fn body(req: &HttpRequest, payload: web::Payload) -> Result<web::Bytes, AdminError> {
    Ok(read_limited(req.headers(), payload, MAX_ADMIN_BODY_BYTES).await?)
}
