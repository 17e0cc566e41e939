//! `wxgate bench-baseline`: the yardstick for `wxgate bench`. A minimal actix-web server, set up
//! like the gateway's (same framework and features, one worker per core it may run on), whose
//! only handler reads the request body and answers a fixed `success`. Loading it and then the
//! gateway with the same requests from the same tool shows what the gateway's own work costs.

use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;

use actix_web::{App, HttpResponse, HttpServer, web};
use clap::Args;

use wxgate::config::ServerConfig;

/// `wxgate bench-baseline`'s options.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
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
    let served = actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(|| {
            App::new()
                .app_data(web::PayloadConfig::new(64 * 1024))
                .default_service(web::to(fixed))
        })
        .listen(listener)?
        .run();
        eprintln!("wxgate bench-baseline: listening on {local}");
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
