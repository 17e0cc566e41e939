//! The WeChat server API client: access tokens, menus, QR codes, customer-service, template and
//! subscription messages, users, tags, media, web OAuth, mini-program logins and the JS-SDK
//! ticket.
//!
//! One [`WeChatApi`] per account. It keeps the account's access token cached and fetches it
//! once for any number of concurrent callers, refreshes it ahead of expiry, and when WeChat
//! rejects a token (errcode 40001, 40014 or 42001) fetches a new one and retries the call once.
//!
//! - **Tokens** come from `/cgi-bin/stable_token` ([`TokenSource::StableToken`], the default:
//!   several instances of the gateway can share one account without retiring each other's
//!   tokens) or `/cgi-bin/token` ([`TokenSource::ClientCredential`]). Built with
//!   [`WeChatApi::with_tokens`], every instance on one Redis uses one token per account, which
//!   one instance at a time fetches ([`crate::cluster::tokens`]); while Redis does not answer,
//!   each instance fetches its own.
//! - **Menus**: [`WeChatApi::create_menu`], [`WeChatApi::get_menu`], [`WeChatApi::delete_menu`];
//!   conditional menus with [`WeChatApi::add_conditional_menu`],
//!   [`WeChatApi::delete_conditional_menu`] and [`WeChatApi::try_match_menu`].
//! - **QR codes**: [`WeChatApi::create_qrcode`] and [`qr_image_url`].
//! - **Late replies**: [`WeChatApi::send_custom_message`] (also the handlers' [`CustomerService`](wxgate_handlers::CustomerService)) sends a
//!   [`Reply`](wxgate_handlers::Reply) within 48 hours of the user's last message;
//!   [`WeChatApi::typing`] shows "typing…".
//! - **Users and tags**: [`WeChatApi::user_info`], [`WeChatApi::users_info`],
//!   [`WeChatApi::create_tag`], [`WeChatApi::tags`], [`WeChatApi::tag_users`],
//!   [`WeChatApi::untag_users`], [`WeChatApi::user_tags`].
//! - **Media**: [`WeChatApi::upload_media`] and [`WeChatApi::add_material`] (multipart uploads).
//! - **Template and subscription messages**: [`WeChatApi::send_template`],
//!   [`WeChatApi::send_subscribe`].
//! - **The outbox's sends**: [`WeChatApi::deliver`] POSTs a message stored ready to go
//!   (template, subscribe or customer-service), and reads a repeated template message's
//!   answer as the success it is; [`not_sent`] tells a failure that never reached WeChat.
//! - **Web OAuth** (a user logging in to a web page): [`WeChatApi::oauth_exchange`] turns the
//!   authorize page's code into the user's openid, [`WeChatApi::oauth_user`] reads the profile.
//!   They use the AppSecret and the user's OAuth token, not the access token, and never retry.
//! - **Mini programs**: [`WeChatApi::code_to_session`] turns the code of `wx.login` into the
//!   user's openid and `session_key` ([`MpLogin`]; AppSecret, no access token, no retry),
//!   [`WeChatApi::user_phone_number`] the code of the getPhoneNumber button into a
//!   [`PhoneNumber`].
//! - **JS-SDK**: [`WeChatApi::jsapi_ticket`], cached and shared like the access token.
//! - **Handlers** call all of it through [`wxgate_handlers::api::Api`] (`Context::api`),
//!   which [`WeChatApi`] implements.
//!
//! The app secret, the tokens, tickets, codes and `session_key`s never appear in a log line,
//! an error or `Debug` output. The request URL carries some of them (`secret=`,
//! `access_token=`, `code=`, `js_code=`), so it is never logged either. Build the `reqwest::Client` with a timeout (a call that outlives it fails
//! with [`ApiError::Timeout`]) and without following redirects.
//!
//! ```no_run
//! use std::time::Duration;
//! use wxgate::internals::api::{ApiConfig, QrCodeRequest, QrScene, WeChatApi, qr_image_url};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let http = reqwest::Client::builder()
//!     .timeout(Duration::from_secs(10))
//!     .redirect(reqwest::redirect::Policy::none())
//!     .build()?;
//! let api = WeChatApi::new(http, ApiConfig::new("wx1234567890abcdef", "app-secret"));
//!
//! let ticket = api.create_qrcode(&QrCodeRequest::temporary(QrScene::Id(42), 3600)).await?;
//! println!("show {}", qr_image_url(&ticket.ticket));
//! # Ok(())
//! # }
//! ```

mod client;
mod config;
mod custom;
mod error;
mod handler_api;
mod http;
mod jsapi;
mod media;
mod menu;
mod miniprogram;
mod outbox;
mod qrcode;
mod sns;
mod subscribe;
mod tags;
mod template;
mod token;
mod typing;
mod user;

pub use client::WeChatApi;
pub use config::{ApiConfig, DEFAULT_API_BASE, TokenSource};
pub(crate) use custom::custom_message;
pub use error::ApiError;
pub use miniprogram::{MpLogin, PhoneNumber};
pub use outbox::{CLIENT_MSG_ID_EXISTS, not_sent};
pub use qrcode::{QrCodeRequest, QrCodeTicket, QrScene, qr_image_url};
pub use sns::{OAuthGrant, OAuthUser};
pub use wxgate_handlers::api::{
    Material, MediaKind, MiniProgramLink, SubscribeMessage, SubscribeValue, Tag, TemplateMessage,
    TemplateValue, UploadedMedia, UserInfo,
};

#[cfg(test)]
pub(crate) mod test_support;
