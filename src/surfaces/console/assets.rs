//! The console's static files, embedded in the binary and served from `/admin/assets/{file}`
//! to anyone while the console is on (the sign-in page needs them): one fixed table of name,
//! content type and bytes, plus the message catalogue as JSON for the scripts.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use super::error::ConsoleError;
use super::i18n::{self, Lang};

/// How long browsers may keep an asset.
const ASSET_CACHE: &str = "public, max-age=3600";

/// Every embedded file: its name under `/admin/assets/`, its content type and its bytes.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "console.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../assets/console/console.css"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../assets/console/console.js"),
    ),
    (
        "overview.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../assets/console/overview.js"),
    ),
    (
        "menu-editor.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../assets/console/menu-editor.js"),
    ),
    (
        "conditional.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../assets/console/conditional.js"),
    ),
    (
        "menu.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../assets/console/menu.css"),
    ),
    (
        "qrcodes.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../assets/console/qrcodes.js"),
    ),
];

/// `GET /admin/assets/{file}`: an embedded file, or the catalogue as
/// `messages.zh.json` / `messages.en.json`.
pub async fn serve(req: HttpRequest) -> Result<HttpResponse, ConsoleError> {
    let file = req.match_info().get("file").unwrap_or_default();
    let lang = file
        .strip_prefix("messages.")
        .and_then(|rest| rest.strip_suffix(".json"))
        .and_then(Lang::parse);
    if let Some(lang) = lang {
        return Ok(HttpResponse::Ok()
            .content_type("application/json; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, ASSET_CACHE))
            .body(i18n::json(lang)));
    }
    let Some((_, content_type, bytes)) = ASSETS.iter().find(|(name, _, _)| *name == file) else {
        return Err(ConsoleError::NotFound);
    };
    Ok(HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, ASSET_CACHE))
        .body(*bytes))
}

#[cfg(test)]
#[path = "assets_test.rs"]
mod tests;
