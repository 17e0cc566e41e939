//! `/healthz` and `/metrics`: what load balancers probe and Prometheus scrapes.

use actix_web::{HttpResponse, web};

use crate::state::State;

/// Registers `/healthz` (GET and HEAD) and `/metrics`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/healthz", web::head().to(healthz))
        .route("/metrics", web::get().to(metrics));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

async fn metrics(state: web::Data<State>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
