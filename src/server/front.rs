//! The service every request meets first: the callback's paths (`/wx` and below) are answered
//! here, straight from actix-http's request; every other request goes on to the actix-web
//! `App` (health, metrics, the admin API).
//!
//! The callback is the hot path — every message and event WeChat pushes — and needs nothing
//! actix-web's layers give a handler (a request object with its extensions, a router, three
//! extractors, a response conversion): skipping them saves their instructions, allocations and
//! moves on every push (measured in BENCHMARKS.md). The rules the `App` applies to every
//! request hold here too: ambiguous framing is refused and the body is read within
//! `server.body_timeout_ms` ([`callback::serve`]).

use std::sync::Arc;
use std::time::Duration;

use actix_http::Request;
use actix_service::{Service, ServiceFactory};
use actix_web::HttpResponse;
use actix_web::body::BoxBody;
use actix_web::dev::{AppConfig, Response, ServiceResponse};
use futures_util::FutureExt as _;
use futures_util::future::{Either, LocalBoxFuture, Map};

use crate::state::State;
use crate::surfaces::callback;

/// What the `App` answers with, once its errors are responses too.
type AppResult = Result<ServiceResponse<BoxBody>, HttpResponse>;
/// What [`Front`] answers with.
type FrontResult = Result<Response<BoxBody>, Response<BoxBody>>;

/// Makes a [`FrontService`] for each worker, in front of the service `app` makes.
pub struct Front<F> {
    app: F,
    state: Arc<State>,
    body_timeout: Duration,
}

impl<F> Front<F> {
    /// The callback over `state`, with bodies read within `body_timeout`, in front of `app`.
    pub fn new(app: F, state: Arc<State>, body_timeout: Duration) -> Self {
        Front {
            app,
            state,
            body_timeout,
        }
    }
}

impl<F> ServiceFactory<Request> for Front<F>
where
    F: ServiceFactory<
            Request,
            Config = AppConfig,
            Response = ServiceResponse<BoxBody>,
            Error = HttpResponse,
        >,
    F::Service: 'static,
    F::Future: 'static,
{
    type Response = Response<BoxBody>;
    type Error = Response<BoxBody>;
    type Config = AppConfig;
    type Service = FrontService<F::Service>;
    type InitError = F::InitError;
    type Future = LocalBoxFuture<'static, Result<Self::Service, F::InitError>>;

    fn new_service(&self, config: AppConfig) -> Self::Future {
        let app = self.app.new_service(config);
        let (state, body_timeout) = (self.state.clone(), self.body_timeout);
        Box::pin(async move {
            Ok(FrontService {
                app: app.await?,
                state,
                body_timeout,
            })
        })
    }
}

/// One worker's front service (see the [module documentation](self)).
pub struct FrontService<S> {
    app: S,
    state: Arc<State>,
    body_timeout: Duration,
}

impl<S> Service<Request> for FrontService<S>
where
    S: Service<Request, Response = ServiceResponse<BoxBody>, Error = HttpResponse>,
{
    type Response = Response<BoxBody>;
    type Error = Response<BoxBody>;
    type Future =
        Either<LocalBoxFuture<'static, FrontResult>, Map<S::Future, fn(AppResult) -> FrontResult>>;

    actix_service::forward_ready!(app);

    fn call(&self, req: Request) -> Self::Future {
        if callback::is_callback(&req) {
            let answer = callback::serve(self.state.clone(), req, self.body_timeout);
            Either::Left(Box::pin(async move { Ok(answer.await.into()) }))
        } else {
            Either::Right(
                self.app
                    .call(req)
                    .map(plain as fn(AppResult) -> FrontResult),
            )
        }
    }
}

/// The `App`'s answer as a plain response (its errors are responses already).
fn plain(answer: AppResult) -> FrontResult {
    match answer {
        Ok(response) => Ok(response.into()),
        Err(error) => Err(error.into()),
    }
}
