//! `wxgate bench-baseline`: the yardstick for `wxgate bench`. A minimal actix-web server, set up
//! like the gateway's (same framework and features, one worker per core it may run on), whose
//! only handler reads the request body and answers a fixed `success`. Loading it and then the
//! gateway with the same requests from the same tool shows what the gateway's own work costs.
//!
//! With `--wechat` it plays WeChat's API for the outbox's sender instead, answering at once:
//! an access token for `/cgi-bin/stable_token` and `/cgi-bin/token`, and
//! `{"errcode":0,"errmsg":"ok","msgid":N}` for every other call (the message APIs), N counting
//! up; `GET /bench/calls` answers how many message calls it took so far. Pointing an
//! account's `api_base` at it measures what the sender itself can deliver.

use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use clap::Args;

use wxgate::config::ServerConfig;

/// `wxgate bench-baseline`'s options.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// Play WeChat's API for the outbox's sender (tokens, and `errcode` 0 with a fresh msgid
    /// for every message) instead of answering `success`.
    #[arg(long)]
    wechat: bool,
}

/// What `--wechat` answers a token request.
const TOKEN: &str = r#"{"access_token":"bench-access-token","expires_in":7200}"#;

/// Message calls taken by the `--wechat` mock.
#[derive(Debug, Default)]
struct Calls(AtomicU64);

/// `--wechat`: a token for the token endpoints, success with a fresh msgid for the rest.
async fn wechat(req: HttpRequest, body: web::Bytes, calls: web::Data<Calls>) -> HttpResponse {
    std::hint::black_box(body);
    let json = |body: String| {
        HttpResponse::Ok()
            .content_type("application/json; encoding=utf-8")
            .body(body)
    };
    match req.path() {
        "/cgi-bin/stable_token" | "/cgi-bin/token" => json(TOKEN.to_owned()),
        "/bench/calls" => json(calls.0.load(Ordering::Relaxed).to_string()),
        _ => {
            let msgid = calls.0.fetch_add(1, Ordering::Relaxed) + 1;
            json(format!(r#"{{"errcode":0,"errmsg":"ok","msgid":{msgid}}}"#))
        }
    }
}

/// The whole of the baseline's work: take the body, answer a fixed one.
async fn fixed(body: web::Bytes) -> HttpResponse {
    std::hint::black_box(body);
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("success")
}

/// Serves until SIGINT or SIGTERM.
pub fn run(args: &BaselineArgs) -> ExitCode {
    let listener = match TcpListener::bind(args.listen) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("wxgate bench-baseline: binding {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let local = listener.local_addr().unwrap_or(args.listen);
    // The gateway's default backlog, so both take a burst of connections alike.
    let backlog = i32::try_from(ServerConfig::default().backlog).unwrap_or(i32::MAX);
    if let Err(e) = socket2::SockRef::from(&listener).listen(backlog) {
        eprintln!("wxgate bench-baseline: setting the listen backlog on {local}: {e}");
        return ExitCode::FAILURE;
    }
    let mock = args.wechat;
    let calls = web::Data::from(Arc::new(Calls::default()));
    let served = actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(move || {
            let app = App::new().app_data(web::PayloadConfig::new(64 * 1024));
            if mock {
                app.app_data(calls.clone()).default_service(web::to(wechat))
            } else {
                app.default_service(web::to(fixed))
            }
        })
        .listen(listener)?
        .run();
        eprintln!(
            "wxgate bench-baseline: listening on {local}{}",
            if mock { " (as WeChat's API)" } else { "" }
        );
        server.await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wxgate bench-baseline: {e}");
            ExitCode::FAILURE
        }
    }
}
