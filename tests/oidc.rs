//! The OpenID Connect provider in front of WeChat's official-account OAuth, black box: the
//! real binary, a mock of WeChat (tests/real/wechat_oauth.rs) and a real relying-party library
//! (the `openidconnect` crate) running the whole login. The browser is a reqwest client that
//! follows no redirect and says it is WeChat's (`MicroMessenger` in its User-Agent), so every
//! hop is checked: the gateway's /authorize -> WeChat's authorize page -> the gateway's
//! /callback -> the app's redirect URI.
//!
//! Covered: discovery, JWKS, id_token signature and claims, nonce, PKCE, userinfo, with and
//! without `profile`, a confidential client (client_secret_basic and client_secret_post) and a
//! public one; every refusal of /authorize, /callback and /token; a code used twice (and the
//! tokens issued from it revoked); the code's 60 s life; throttling; the QR page outside
//! WeChat; a login finishing on a second instance through Redis; key rotation with running
//! instances.

mod real;
#[path = "support/redis.rs"]
mod redis_server;
#[path = "real/wechat_oauth.rs"]
mod wechat_oauth;

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet,
    CoreProviderMetadata, CoreTokenResponse, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, JsonWebKeySetUrl, Nonce, OAuth2TokenResponse as _, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse as _,
};
use serde_json::{Value, json};

use real::*;
use redis_server::RedisServer;
use wechat_oauth::*;

/// The confidential client.
const SHOP: &str = "shop";
/// Its secret (listed in tests/secrets.txt).
const SHOP_SECRET: &str = "OidcClientS3cret-shop-5f1e9a";
/// Its one redirect URI (never fetched: the tests read the Location header).
const SHOP_CB: &str = "http://127.0.0.1:9/cb";
/// The public client (no secret: PKCE required).
const SPA: &str = "spa";
/// Its one redirect URI.
const SPA_CB: &str = "http://127.0.0.1:9/spa/cb";
/// A client that may not log users in (`scopes = ["send"]`).
const SENDER: &str = "sender";
/// Its one redirect URI.
const SENDER_CB: &str = "http://127.0.0.1:9/sender/cb";
/// The User-Agent of WeChat's browser on a phone.
const WECHAT_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
     (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN";
/// A desktop browser's User-Agent.
const DESKTOP_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
     Chrome/124.0.0.0 Safari/537.36";
/// Text that is markup if a page shows it unescaped.
const MARKUP: &str = "<script>alert(1)</script>";
/// How long a wxgate authorization code lives.
const CODE_TTL: Duration = Duration::from_secs(60);
/// The default id_token and access_token lifetime.
const TOKEN_TTL_SECS: i64 = 3600;

// ---------------------------------------------------------------------------------------------
// The gateway and its config
// ---------------------------------------------------------------------------------------------

/// A config serving `demo` (and `other`, which no client may use) with the three clients, on
/// `listen`, with `public_url` on `public` and the database in `db_dir`; `extra` is added after
/// `[server]` (e.g. an `[oidc]` or `[dedup]` section).
fn config(listen: u16, public: u16, db_dir: &Path, wechat: &str, extra: &str) -> String {
    format!(
        r#"{storage}
[server]
listen = "127.0.0.1:{listen}"
public_url = "http://127.0.0.1:{public}"
{extra}
[[accounts]]
name = "demo"
appid = "{APPID}"
token = "{TOKEN}"
secret = "{SECRET}"
api_base = "{wechat}"
oauth_base = "{wechat}"

[[accounts]]
name = "other"
appid = "{APPID}"
token = "{TOKEN}"
secret = "{SECRET}"
api_base = "{wechat}"
oauth_base = "{wechat}"

[[clients]]
id = "{SHOP}"
secret = "{SHOP_SECRET}"
accounts = ["demo"]
redirect_uris = ["{SHOP_CB}"]
scopes = ["login"]

[[clients]]
id = "{SPA}"
accounts = ["demo"]
redirect_uris = ["{SPA_CB}"]
scopes = ["login"]

[[clients]]
id = "{SENDER}"
secret = "{SHOP_SECRET}"
accounts = ["demo"]
redirect_uris = ["{SENDER_CB}"]
scopes = ["send"]
"#,
        storage = storage(db_dir)
    )
}

/// One gateway instance and what the tests need to talk to it.
struct Instance {
    gateway: Gateway,
    /// `{public_url}/oidc/demo`.
    issuer: String,
    /// Where the config file is (for `rotate-signing-key`).
    config_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Instance {
    /// Starts an instance listening on `listen` with `public_url` on `public`, the database in
    /// `db_dir`.
    async fn start(
        log: &str,
        listen: u16,
        public: u16,
        db_dir: &Path,
        wechat: &WeChatOAuth,
        extra: &str,
    ) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let text = config(listen, public, db_dir, &wechat.uri(), extra);
        let gateway = Gateway::start(dir.path(), &text, listen, log).await;
        Instance {
            gateway,
            issuer: format!("http://127.0.0.1:{public}/oidc/demo"),
            config_path: dir.path().join("wxgate.toml"),
            _dir: dir,
        }
    }

    /// `{base}/oidc/demo`: this instance's own address, whatever `public_url` says.
    fn here(&self) -> String {
        format!("{}/oidc/demo", self.gateway.base)
    }
}

/// The usual test set-up: one instance (database in a temp dir), the WeChat mock, a browser in
/// WeChat and the relying party's HTTP client.
struct Env {
    wechat: WeChatOAuth,
    one: Instance,
    browser: Browser,
    http: reqwest::Client,
    _db: tempfile::TempDir,
}

impl Env {
    async fn start(log: &str, extra: &str) -> Env {
        let wechat = WeChatOAuth::start().await;
        let db = tempfile::tempdir().unwrap();
        let port = free_port();
        let one = Instance::start(log, port, port, db.path(), &wechat, extra).await;
        Env {
            wechat,
            one,
            browser: Browser::new(WECHAT_UA),
            http: rp_http(),
            _db: db,
        }
    }

    fn issuer(&self) -> &str {
        &self.one.issuer
    }

    /// `{issuer}/authorize?` with `params`.
    fn authorize_url(&self, params: &[(&str, &str)]) -> String {
        authorize_url(self.issuer(), params)
    }

    /// The whole browser part of a login through this instance.
    async fn browse(&self, authorize: &str, redirect_uri: &str) -> Browsed {
        browse(
            &self.browser,
            &self.wechat,
            &self.one,
            authorize,
            &self.one,
            redirect_uri,
        )
        .await
    }
}

/// How long the tests' HTTP clients keep an idle connection: well below the gateway's 5 s
/// keep-alive (actix's default), so no request goes out on a connection the gateway is closing
/// at that moment (a POST is not retried).
const POOL_IDLE: Duration = Duration::from_secs(2);

/// The relying party's HTTP client: follows no redirect (as openidconnect advises).
fn rp_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(POOL_IDLE)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn authorize_url(issuer: &str, params: &[(&str, &str)]) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("{issuer}/authorize?{query}")
}

/// A random [A-Za-z0-9] string of `len` characters.
fn random_alnum(len: usize) -> String {
    use rand::Rng as _;
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------------

/// What a GET answered.
#[derive(Debug)]
struct Page {
    status: u16,
    location: Option<String>,
    content_type: String,
    retry_after: Option<String>,
    body: String,
}

/// A browser that follows no redirect and keeps cookies (one jar for 127.0.0.1, as a browser
/// would for one host whatever the port).
struct Browser {
    http: reqwest::Client,
    cookies: Mutex<HashMap<String, String>>,
}

impl Browser {
    fn new(user_agent: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(POOL_IDLE)
                .user_agent(user_agent)
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            cookies: Mutex::new(HashMap::new()),
        }
    }

    async fn get(&self, url: &str) -> Page {
        let mut request = self.http.get(url);
        let cookies: Vec<String> = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        if !cookies.is_empty() {
            request = request.header(reqwest::header::COOKIE, cookies.join("; "));
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        for set in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let set = set.to_str().unwrap_or_default();
            let pair = set.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies
                    .lock()
                    .unwrap()
                    .insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap_or_default().to_owned())
        };
        let location = header(reqwest::header::LOCATION);
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let retry_after = header(reqwest::header::RETRY_AFTER);
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        Page {
            status,
            location,
            content_type,
            retry_after,
            body,
        }
    }
}

/// What the gateway's redirect to WeChat said.
#[derive(Debug)]
struct ToWeChat {
    /// The whole Location (with `#wechat_redirect`).
    url: String,
    /// The WeChat state wxgate chose.
    state: String,
    /// `snsapi_base` or `snsapi_userinfo`.
    scope: String,
}

/// Checks the gateway's redirect to WeChat's authorize page: the page, the parameters in
/// exactly WeChat's order, the callback on `public_url`, a 32-character [A-Za-z0-9] state and
/// the `#wechat_redirect` fragment.
fn check_to_wechat(page: &Page, wechat: &WeChatOAuth, issuer: &str) -> ToWeChat {
    assert_eq!(
        page.status, 302,
        "/authorize should send the browser to WeChat: {page:?}"
    );
    let location = page.location.clone().expect("a Location to WeChat");
    let prefix = format!("{}/connect/oauth2/authorize?", wechat.uri());
    assert!(
        location.starts_with(&prefix),
        "the redirect goes to WeChat's authorize page ({prefix}...): {location}"
    );
    assert!(
        location.ends_with("#wechat_redirect"),
        "WeChat's authorize URL ends with #wechat_redirect: {location}"
    );
    let url = url::Url::parse(&location).unwrap();
    assert_eq!(url.fragment(), Some("wechat_redirect"), "{location}");
    let names: Vec<String> = url.query_pairs().map(|(n, _)| n.into_owned()).collect();
    assert_eq!(
        names,
        ["appid", "redirect_uri", "response_type", "scope", "state"],
        "WeChat checks the order of the parameters: {location}"
    );
    let p: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(p["appid"], APPID);
    assert_eq!(p["redirect_uri"], format!("{issuer}/callback"));
    assert_eq!(p["response_type"], "code");
    assert!(
        ["snsapi_base", "snsapi_userinfo"].contains(&p["scope"].as_str()),
        "scope {}",
        p["scope"]
    );
    let state = p["state"].clone();
    assert!(
        state.len() == 32 && state.bytes().all(|b| b.is_ascii_alphanumeric()),
        "the WeChat state is 32 characters of [A-Za-z0-9]: {state:?}"
    );
    ToWeChat {
        url: location,
        state,
        scope: p["scope"].clone(),
    }
}

/// The browser on WeChat's authorize page: WeChat sends it back to the gateway's callback.
async fn through_wechat(browser: &Browser, wechat: &WeChatOAuth, to_wechat: &ToWeChat) -> String {
    let page = browser.get(&to_wechat.url).await;
    assert_eq!(
        page.status,
        302,
        "WeChat's page refused the gateway's redirect: {page:?}; the mock's complaints: {:?}",
        wechat.complaints()
    );
    page.location.unwrap()
}

/// The query of a redirect to `redirect_uri` (which it checks), as a map.
fn app_redirect(page: &Page, redirect_uri: &str) -> HashMap<String, String> {
    assert_eq!(
        page.status, 302,
        "expected a redirect to the app ({redirect_uri}): {page:?}"
    );
    let location = page.location.clone().unwrap();
    let (base, query) = location.split_once('?').unwrap_or((&location, ""));
    assert_eq!(
        base, redirect_uri,
        "the redirect goes to the app: {location}"
    );
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// Checks that `page` is an error page (400 unless told) that sends the browser nowhere.
fn assert_error_page(page: &Page, status: u16, what: &str) {
    assert_eq!(page.status, status, "{what}: {page:?}");
    assert!(
        page.location.is_none(),
        "{what}: an error page must not redirect: {page:?}"
    );
}

/// Checks that `page` sends the app `error` with its `state` (and no code).
fn assert_app_error(page: &Page, redirect_uri: &str, error: &str, state: &str, what: &str) {
    let back = app_redirect(page, redirect_uri);
    assert_eq!(
        back.get("error").map(String::as_str),
        Some(error),
        "{what}: {back:?}"
    );
    assert_eq!(
        back.get("state").map(String::as_str),
        Some(state),
        "{what}: the app's state comes back: {back:?}"
    );
    assert!(!back.contains_key("code"), "{what}: no code: {back:?}");
}

/// The browser part of a login, hop by hop.
#[derive(Debug)]
struct Browsed {
    to_wechat: ToWeChat,
    /// The redirect to the app (query parameters).
    back: HashMap<String, String>,
}

/// Runs the browser part of a login: `/authorize` on `start` (whose issuer the WeChat redirect
/// names), WeChat's page, then the callback on `finish` (another instance, when told), ending
/// at `redirect_uri`.
async fn browse(
    browser: &Browser,
    wechat: &WeChatOAuth,
    start: &Instance,
    authorize: &str,
    finish: &Instance,
    redirect_uri: &str,
) -> Browsed {
    let to_wechat = check_to_wechat(&browser.get(authorize).await, wechat, &start.issuer);
    let callback = through_wechat(browser, wechat, &to_wechat).await;
    let expected = format!("{}/callback?", start.issuer);
    assert!(
        callback.starts_with(&expected),
        "WeChat sends the browser back to {expected}...: {callback}"
    );
    // The same path on the instance that finishes the login.
    let callback = format!("{}{}", finish.here(), &callback[start.issuer.len()..]);
    let page = browser.get(&callback).await;
    let back = app_redirect(&page, redirect_uri);
    Browsed { to_wechat, back }
}

// ---------------------------------------------------------------------------------------------
// The relying party
// ---------------------------------------------------------------------------------------------

/// An openidconnect client made from discovery.
type Rp = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Discovery from `issuer`, then a client for `client_id`.
async fn rp(
    http: &reqwest::Client,
    issuer: &str,
    client_id: &str,
    secret: Option<&str>,
    redirect_uri: &str,
) -> Rp {
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(issuer.into()).unwrap(), http)
            .await
            .unwrap_or_else(|e| panic!("discovery from {issuer}: {e:?}"));
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client_id.into()),
        secret.map(|s| ClientSecret::new(s.into())),
    )
    .set_redirect_uri(RedirectUrl::new(redirect_uri.into()).unwrap())
}

/// A login run by the relying party library.
struct RpLogin {
    browsed: Browsed,
    tokens: CoreTokenResponse,
    nonce: Nonce,
}

impl RpLogin {
    fn id_token(&self) -> &CoreIdToken {
        self.tokens
            .id_token()
            .expect("the token response has an id_token")
    }

    fn access_token(&self) -> String {
        self.tokens.access_token().secret().clone()
    }
}

/// The relying party's HTTP client, the user's browser and WeChat.
#[derive(Clone, Copy)]
struct User<'a> {
    http: &'a reqwest::Client,
    browser: &'a Browser,
    wechat: &'a WeChatOAuth,
}

/// The RP's authorize URL (scope `openid`, plus `profile` when told; a nonce; PKCE S256), the
/// browser part through `start` and `finish`, the app's state checked, then the code
/// exchanged by the library (client_secret_basic, or none for a public client) on its token
/// endpoint.
async fn rp_login_via(
    rp: &Rp,
    user: &User<'_>,
    start: &Instance,
    finish: &Instance,
    redirect_uri: &str,
    profile: bool,
) -> RpLogin {
    let User {
        http,
        browser,
        wechat,
    } = *user;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    if profile {
        request = request.add_scope(Scope::new("profile".into()));
    }
    let (url, csrf, nonce) = request.url();
    let browsed = browse(browser, wechat, start, url.as_str(), finish, redirect_uri).await;
    assert_eq!(
        browsed.back.get("state"),
        Some(csrf.secret()),
        "the app's state comes back: {:?}",
        browsed.back
    );
    let code = browsed
        .back
        .get("code")
        .expect("a code for the app")
        .clone();
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .expect("discovery gave a token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(http)
        .await
        .unwrap_or_else(|e| panic!("the code exchange failed: {e:?}"));
    RpLogin {
        browsed,
        tokens,
        nonce,
    }
}

async fn rp_login(env: &Env, rp: &Rp, redirect_uri: &str, profile: bool) -> RpLogin {
    let user = User {
        http: &env.http,
        browser: &env.browser,
        wechat: &env.wechat,
    };
    rp_login_via(rp, &user, &env.one, &env.one, redirect_uri, profile).await
}

/// A JWT's header and payload, decoded without any check.
fn jwt_parts(jwt: &str) -> (Value, Value) {
    let mut parts = jwt.split('.');
    let mut decode = || {
        let part = parts.next().expect("a JWT part");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap_or_else(|e| panic!("JWT part not base64url: {e}"));
        serde_json::from_slice::<Value>(&bytes).unwrap()
    };
    let header = decode();
    let payload = decode();
    (header, payload)
}

fn kid_of(jwt: &str) -> String {
    jwt_parts(jwt).0["kid"]
        .as_str()
        .expect("the id_token header has a kid")
        .to_owned()
}

/// The JWKS at `{issuer}/jwks`, for openidconnect.
async fn fetch_jwks(http: &reqwest::Client, base: &str) -> CoreJsonWebKeySet {
    CoreJsonWebKeySet::fetch_async(
        &JsonWebKeySetUrl::new(format!("{base}/jwks")).unwrap(),
        http,
    )
    .await
    .unwrap_or_else(|e| panic!("JWKS from {base}: {e:?}"))
}

/// The kids of the JWKS at `{base}/jwks`.
async fn jwks_kids(http: &reqwest::Client, base: &str) -> Vec<String> {
    let (status, jwks) = get_json(http, &format!("{base}/jwks")).await;
    assert_eq!(status, 200, "{jwks}");
    jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["kid"].as_str().expect("a kid").to_owned())
        .collect()
}

/// Verifies `jwt` (signature, iss, aud, exp, nonce) with openidconnect against `jwks`.
fn verify_with(jwt: &str, jwks: CoreJsonWebKeySet, issuer: &str, client: &str, nonce: &Nonce) {
    let token = CoreIdToken::from_str(jwt).unwrap();
    let verifier = CoreIdTokenVerifier::new_public_client(
        ClientId::new(client.into()),
        IssuerUrl::new(issuer.into()).unwrap(),
        jwks,
    );
    token
        .claims(&verifier, nonce)
        .unwrap_or_else(|e| panic!("the id_token does not verify: {e:?}"));
}

async fn get_json(http: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = http
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A token request as a plain form POST; `basic` = client_secret_basic credentials.
async fn token_request(
    http: &reqwest::Client,
    base: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = http.post(format!("{base}/token")).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The `authorization_code` exchange of `code` for the confidential client (basic auth).
async fn shop_exchange(http: &reqwest::Client, base: &str, code: &str) -> (u16, Value) {
    let (status, _, body) = token_request(
        http,
        base,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", SHOP_CB),
        ],
        Some((SHOP, SHOP_SECRET)),
    )
    .await;
    (status, body)
}

/// `GET {base}/userinfo` with a Bearer token.
async fn userinfo(http: &reqwest::Client, base: &str, token: &str) -> (u16, Value) {
    let response = http
        .get(format!("{base}/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A confidential-client login without the library (no PKCE): the browser part, then the
/// app's code.
async fn shop_code(env: &Env, scope: &str) -> String {
    let state = random_alnum(12);
    let url = env.authorize_url(&[
        ("client_id", SHOP),
        ("redirect_uri", SHOP_CB),
        ("response_type", "code"),
        ("scope", scope),
        ("state", &state),
        ("nonce", "n-0S6_WzA2Mj"),
    ]);
    let browsed = env.browse(&url, SHOP_CB).await;
    assert_eq!(
        browsed.back.get("state"),
        Some(&state),
        "{:?}",
        browsed.back
    );
    browsed.back.get("code").expect("a code").clone()
}

/// Checks that none of `values` is in the instance's log.
fn assert_not_logged(instance: &Instance, values: &[(&str, &str)]) {
    let log = std::fs::read_to_string(&instance.gateway.log).unwrap_or_default();
    assert!(
        !log.is_empty(),
        "no gateway log at {:?}",
        instance.gateway.log
    );
    for (what, value) in values {
        assert!(!value.is_empty(), "{what} is empty");
        assert!(
            !log.contains(value),
            "the gateway logged the {what}; log: {:?}",
            instance.gateway.log
        );
    }
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("an array: {value}"))
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Discovery and keys
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn discovery_and_jwks_describe_the_provider() {
    let env = Env::start("oidc-discovery", "").await;
    let issuer = env.issuer();
    let (status, doc) = get_json(
        &env.http,
        &format!("{issuer}/.well-known/openid-configuration"),
    )
    .await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["issuer"], issuer);
    for (key, endpoint) in [
        ("authorization_endpoint", "authorize"),
        ("token_endpoint", "token"),
        ("userinfo_endpoint", "userinfo"),
        ("jwks_uri", "jwks"),
    ] {
        assert_eq!(doc[key], format!("{issuer}/{endpoint}"), "{key}: {doc}");
    }
    assert_eq!(doc["response_types_supported"], json!(["code"]), "{doc}");
    assert_eq!(doc["subject_types_supported"], json!(["public"]), "{doc}");
    assert_eq!(
        doc["code_challenge_methods_supported"],
        json!(["S256"]),
        "{doc}"
    );
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"]),
        "{doc}"
    );
    let scopes = strings(&doc["scopes_supported"]);
    for scope in ["openid", "profile"] {
        assert!(
            scopes.contains(&scope),
            "scopes_supported lacks {scope}: {doc}"
        );
    }
    let methods = strings(&doc["token_endpoint_auth_methods_supported"]);
    for method in ["client_secret_basic", "client_secret_post", "none"] {
        assert!(
            methods.contains(&method),
            "token_endpoint_auth_methods_supported lacks {method}: {doc}"
        );
    }
    let claims = strings(&doc["claims_supported"]);
    for claim in ["sub", "name", "picture"] {
        assert!(
            claims.contains(&claim),
            "claims_supported lacks {claim}: {doc}"
        );
    }

    let (status, jwks) = get_json(&env.http, &format!("{issuer}/jwks")).await;
    assert_eq!(status, 200, "{jwks}");
    let keys = jwks["keys"].as_array().expect("a JWK set");
    assert!(!keys.is_empty(), "{jwks}");
    for key in keys {
        assert_eq!(key["kty"], "RSA", "{key}");
        assert_eq!(key["use"], "sig", "{key}");
        assert_eq!(key["alg"], "RS256", "{key}");
        assert!(key["kid"].as_str().is_some_and(|k| !k.is_empty()), "{key}");
        let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(key["n"].as_str().expect("n"))
            .expect("n is base64url");
        assert!(n.len() >= 256, "RSA 2048 or more: {} bits", n.len() * 8);
        assert!(key["e"].is_string(), "{key}");
        assert!(key.get("d").is_none(), "no private part in the JWKS: {key}");
    }

    // The library accepts the document and the keys.
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(issuer.to_owned()).unwrap(), &env.http)
            .await
            .unwrap_or_else(|e| panic!("openidconnect refuses the discovery document: {e:?}"));
    assert!(!metadata.jwks().keys().is_empty());
}

#[tokio::test]
async fn unknown_account_is_404() {
    let env = Env::start("oidc-unknown-account", "").await;
    let base = format!("{}/oidc/nope", env.one.gateway.base);
    for path in [".well-known/openid-configuration", "jwks"] {
        let (status, body) = get_json(&env.http, &format!("{base}/{path}")).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let url = authorize_url(
        &base,
        &[
            ("client_id", SHOP),
            ("redirect_uri", SHOP_CB),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "s"),
        ],
    );
    assert_error_page(&env.browser.get(&url).await, 404, "unknown account");
    assert_eq!(env.wechat.hits("/connect/oauth2/authorize").await, 0);
}

// ---------------------------------------------------------------------------------------------
// Whole logins
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn confidential_client_logs_in_with_client_secret_basic() {
    let env = Env::start("oidc-confidential", "").await;
    let rp = rp(&env.http, env.issuer(), SHOP, Some(SHOP_SECRET), SHOP_CB).await;
    let login = rp_login(&env, &rp, SHOP_CB, false).await;
    assert_eq!(login.browsed.to_wechat.scope, "snsapi_base");

    let id_token = login.id_token();
    let claims = id_token
        .claims(&rp.id_token_verifier(), &login.nonce)
        .unwrap_or_else(|e| panic!("the id_token does not verify: {e:?}"));
    assert_eq!(claims.subject().as_str(), OPENID);
    assert_eq!(claims.issuer().as_str(), env.issuer());
    assert_eq!(
        claims
            .audiences()
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>(),
        [SHOP]
    );
    assert_eq!(
        claims.nonce().map(|n| n.secret()),
        Some(login.nonce.secret())
    );
    assert!(claims.name().is_none(), "no name without profile");
    assert!(claims.picture().is_none(), "no picture without profile");

    let jwt = id_token.to_string();
    let (header, payload) = jwt_parts(&jwt);
    assert_eq!(header["alg"], "RS256", "{header}");
    let kids = jwks_kids(&env.http, env.issuer()).await;
    assert!(
        kids.contains(&kid_of(&jwt)),
        "the id_token's kid is in the JWKS: {header} {kids:?}"
    );
    assert_eq!(payload["azp"], SHOP, "{payload}");
    assert_eq!(
        payload["unionid"], UNIONID,
        "unionid with snsapi_base: {payload}"
    );
    let iat = payload["iat"].as_i64().expect("iat");
    let exp = payload["exp"].as_i64().expect("exp");
    let auth_time = payload["auth_time"].as_i64().expect("auth_time");
    assert!(
        (TOKEN_TTL_SECS - 1..=TOKEN_TTL_SECS + 1).contains(&(exp - iat)),
        "token_ttl_secs defaults to {TOKEN_TTL_SECS}: {payload}"
    );
    assert!(auth_time <= iat + 1 && iat - auth_time < 60, "{payload}");
    let expires_in = login.tokens.expires_in().expect("expires_in").as_secs() as i64;
    assert!(
        (TOKEN_TTL_SECS - 1..=TOKEN_TTL_SECS).contains(&expires_in),
        "expires_in {expires_in}"
    );

    // WeChat: one code exchange, no profile fetched for snsapi_base.
    assert_eq!(env.wechat.exchanges().await, 1);
    assert_eq!(env.wechat.userinfo_calls().await, 0);

    // userinfo, through the library and raw.
    let info: CoreUserInfoClaims = rp
        .user_info(
            login.tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .expect("discovery gave a userinfo endpoint")
        .request_async(&env.http)
        .await
        .unwrap_or_else(|e| panic!("userinfo: {e:?}"));
    assert_eq!(info.subject().as_str(), OPENID);
    let (status, raw) = userinfo(&env.http, env.issuer(), &login.access_token()).await;
    assert_eq!(status, 200, "{raw}");
    assert_eq!(raw["sub"], OPENID, "{raw}");
    assert_eq!(raw["unionid"], UNIONID, "{raw}");
    assert!(raw.get("name").is_none(), "{raw}");

    assert_not_logged(
        &env.one,
        &[
            ("app's code", &login.browsed.back["code"]),
            ("WeChat state", &login.browsed.to_wechat.state),
            ("access token", &login.access_token()),
            ("id_token", &jwt),
            ("id_token signature", jwt.rsplit('.').next().unwrap()),
        ],
    );
}

#[tokio::test]
async fn profile_scope_adds_name_and_picture() {
    let env = Env::start("oidc-profile", "").await;
    let rp = rp(&env.http, env.issuer(), SHOP, Some(SHOP_SECRET), SHOP_CB).await;
    let login = rp_login(&env, &rp, SHOP_CB, true).await;
    assert_eq!(login.browsed.to_wechat.scope, "snsapi_userinfo");
    assert_eq!(env.wechat.exchanges().await, 1);
    assert_eq!(
        env.wechat.userinfo_calls().await,
        1,
        "with profile the user's info is fetched once; complaints: {:?}",
        env.wechat.complaints()
    );

    let claims = login
        .id_token()
        .claims(&rp.id_token_verifier(), &login.nonce)
        .unwrap_or_else(|e| panic!("the id_token does not verify: {e:?}"));
    assert_eq!(claims.subject().as_str(), OPENID);
    assert_eq!(
        claims.name().and_then(|n| n.get(None)).map(|n| n.as_str()),
        Some(NICKNAME)
    );
    assert_eq!(
        claims
            .picture()
            .and_then(|p| p.get(None))
            .map(|p| p.as_str()),
        Some(HEADIMGURL)
    );
    let (_, payload) = jwt_parts(&login.id_token().to_string());
    assert_eq!(payload["unionid"], UNIONID, "{payload}");

    let info: CoreUserInfoClaims = rp
        .user_info(
            login.tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .expect("discovery gave a userinfo endpoint")
        .request_async(&env.http)
        .await
        .unwrap_or_else(|e| panic!("userinfo: {e:?}"));
    assert_eq!(
        info.name().and_then(|n| n.get(None)).map(|n| n.as_str()),
        Some(NICKNAME)
    );
    assert_eq!(
        info.picture().and_then(|p| p.get(None)).map(|p| p.as_str()),
        Some(HEADIMGURL)
    );
}

#[tokio::test]
async fn public_client_logs_in_with_pkce() {
    let env = Env::start("oidc-public", "").await;
    let rp = rp(&env.http, env.issuer(), SPA, None, SPA_CB).await;
    let login = rp_login(&env, &rp, SPA_CB, true).await;
    let claims = login
        .id_token()
        .claims(&rp.id_token_verifier(), &login.nonce)
        .unwrap_or_else(|e| panic!("the id_token does not verify: {e:?}"));
    assert_eq!(claims.subject().as_str(), OPENID);
    assert_eq!(
        claims
            .audiences()
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>(),
        [SPA]
    );
    let (_, payload) = jwt_parts(&login.id_token().to_string());
    assert_eq!(payload["azp"], SPA, "{payload}");
    let (status, raw) = userinfo(&env.http, env.issuer(), &login.access_token()).await;
    assert_eq!(status, 200, "{raw}");
    assert_eq!(raw["sub"], OPENID, "{raw}");
    assert_eq!(raw["name"], NICKNAME, "{raw}");
}

#[tokio::test]
async fn client_secret_post_login_without_unionid() {
    let env = Env::start("oidc-secret-post", "").await;
    env.wechat.set(Behaviour {
        unionid: false,
        ..Behaviour::default()
    });
    // No PKCE: optional for a confidential client.
    let state = random_alnum(16);
    let nonce = random_alnum(16);
    let url = env.authorize_url(&[
        ("client_id", SHOP),
        ("redirect_uri", SHOP_CB),
        ("response_type", "code"),
        ("scope", "openid profile"),
        ("state", &state),
        ("nonce", &nonce),
    ]);
    let browsed = env.browse(&url, SHOP_CB).await;
    assert_eq!(browsed.back.get("state"), Some(&state));
    let code = browsed.back.get("code").expect("a code");
    let (status, headers, body) = token_request(
        &env.http,
        env.issuer(),
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", SHOP_CB),
            ("client_id", SHOP),
            ("client_secret", SHOP_SECRET),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["token_type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("bearer")),
        "{body}"
    );
    assert!(body["access_token"].is_string(), "{body}");
    assert!(body["expires_in"].is_u64(), "{body}");
    assert!(
        headers
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("no-store")),
        "a token response is not cached (RFC 6749 5.1): {headers:?}"
    );
    let jwt = body["id_token"].as_str().expect("an id_token");
    let jwks = fetch_jwks(&env.http, env.issuer()).await;
    verify_with(jwt, jwks, env.issuer(), SHOP, &Nonce::new(nonce));
    let (_, payload) = jwt_parts(jwt);
    assert_eq!(payload["sub"], OPENID, "{payload}");
    assert_eq!(payload["name"], NICKNAME, "{payload}");
    assert!(
        payload.get("unionid").is_none(),
        "no unionid when WeChat gave none: {payload}"
    );
}

// ---------------------------------------------------------------------------------------------
// /authorize refusals
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn unregistered_or_missing_redirect_uri_gets_an_error_page() {
    let env = Env::start("oidc-bad-redirect", "").await;
    for (what, redirect) in [
        ("unregistered", Some("http://127.0.0.1:9/elsewhere")),
        ("a longer path", Some("http://127.0.0.1:9/cb/more")),
        ("an added query", Some("http://127.0.0.1:9/cb?next=/x")),
        ("another port", Some("http://127.0.0.1:10/cb")),
        ("another client's", Some(SPA_CB)),
        ("missing", None),
    ] {
        let mut params = vec![
            ("client_id", SHOP),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "app-state"),
        ];
        if let Some(redirect) = redirect {
            params.push(("redirect_uri", redirect));
        }
        let page = env.browser.get(&env.authorize_url(&params)).await;
        assert_error_page(&page, 400, &format!("{what} redirect_uri"));
    }
    assert_eq!(env.wechat.hits("/connect/oauth2/authorize").await, 0);
}

#[tokio::test]
async fn unknown_or_unallowed_client_gets_an_error_page() {
    let env = Env::start("oidc-bad-client", "").await;
    let cases = [
        ("unknown client", "demo", Some("nobody"), SHOP_CB),
        ("missing client_id", "demo", None, SHOP_CB),
        (
            "client not allowed for the account",
            "other",
            Some(SHOP),
            SHOP_CB,
        ),
        (
            "client without the login scope",
            "demo",
            Some(SENDER),
            SENDER_CB,
        ),
        ("a client_id with markup", "demo", Some(MARKUP), SHOP_CB),
    ];
    for (what, account, client, redirect) in cases {
        let mut params = vec![
            ("redirect_uri", redirect),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "app-state"),
        ];
        if let Some(client) = client {
            params.push(("client_id", client));
        }
        let base = format!("{}/oidc/{account}", env.one.gateway.base);
        let page = env.browser.get(&authorize_url(&base, &params)).await;
        assert_error_page(&page, 400, what);
        assert!(
            !page.body.contains(MARKUP),
            "{what}: the error page shows the request's text unescaped: {}",
            page.body
        );
    }
    assert_eq!(env.wechat.hits("/connect/oauth2/authorize").await, 0);
}

/// An authorize request for a known client and redirect URI with `changes` to the valid
/// parameters (a `None` value removes the parameter).
fn request_with(
    client: &str,
    redirect: &str,
    changes: &[(&str, Option<&str>)],
) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = [
        ("client_id", client),
        ("redirect_uri", redirect),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "the-app-state"),
        ("nonce", "the-nonce"),
        (
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        ),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (name, value) in changes {
        params.retain(|(k, _)| k != name);
        if let Some(value) = value {
            params.push(((*name).to_owned(), (*value).to_owned()));
        }
    }
    params
}

async fn assert_goes_back(
    env: &Env,
    client: &str,
    redirect: &str,
    changes: &[(&str, Option<&str>)],
    error: &str,
) {
    let params = request_with(client, redirect, changes);
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let page = env.browser.get(&env.authorize_url(&pairs)).await;
    assert_app_error(
        &page,
        redirect,
        error,
        "the-app-state",
        &format!("{client} with {changes:?}"),
    );
}

#[tokio::test]
async fn no_openid_scope_goes_back_as_invalid_scope() {
    let env = Env::start("oidc-invalid-scope", "").await;
    for scope in ["profile", "email"] {
        assert_goes_back(
            &env,
            SHOP,
            SHOP_CB,
            &[("scope", Some(scope))],
            "invalid_scope",
        )
        .await;
    }
    assert_eq!(env.wechat.hits("/connect/oauth2/authorize").await, 0);
}

#[tokio::test]
async fn response_type_token_goes_back_as_unsupported_response_type() {
    let env = Env::start("oidc-response-type", "").await;
    for response_type in ["token", "id_token", "code id_token"] {
        assert_goes_back(
            &env,
            SHOP,
            SHOP_CB,
            &[("response_type", Some(response_type))],
            "unsupported_response_type",
        )
        .await;
    }
    assert_eq!(env.wechat.hits("/connect/oauth2/authorize").await, 0);
}

#[tokio::test]
async fn plain_pkce_method_goes_back_as_invalid_request() {
    let env = Env::start("oidc-pkce-plain", "").await;
    for (client, redirect) in [(SHOP, SHOP_CB), (SPA, SPA_CB)] {
        assert_goes_back(
            &env,
            client,
            redirect,
            &[
                (
                    "code_challenge",
                    Some("a-plain-challenge-of-43-characters-0123456"),
                ),
                ("code_challenge_method", Some("plain")),
            ],
            "invalid_request",
        )
        .await;
    }
    assert_eq!(env.wechat.hits("/connect/oauth2/authorize").await, 0);
}

#[tokio::test]
async fn public_client_without_challenge_goes_back_as_invalid_request() {
    let env = Env::start("oidc-pkce-missing", "").await;
    assert_goes_back(
        &env,
        SPA,
        SPA_CB,
        &[("code_challenge", None), ("code_challenge_method", None)],
        "invalid_request",
    )
    .await;
    assert_eq!(env.wechat.hits("/connect/oauth2/authorize").await, 0);
    // Control: the same request with the challenge goes to WeChat.
    let params = request_with(SPA, SPA_CB, &[]);
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    check_to_wechat(
        &env.browser.get(&env.authorize_url(&pairs)).await,
        &env.wechat,
        env.issuer(),
    );
}

#[tokio::test]
async fn authorize_is_throttled_per_client_ip() {
    let env = Env::start("oidc-throttle", "[oidc]\nauthorize_per_minute = 3\n").await;
    let params = request_with(SHOP, SHOP_CB, &[]);
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let url = env.authorize_url(&pairs);
    for attempt in 1..=3 {
        let page = env.browser.get(&url).await;
        assert_eq!(
            page.status, 302,
            "attempt {attempt} is within the limit: {page:?}"
        );
    }
    let page = env.browser.get(&url).await;
    assert_eq!(page.status, 429, "the 4th /authorize in a minute: {page:?}");
    assert!(page.location.is_none(), "{page:?}");
    let retry_after: u64 = page
        .retry_after
        .as_deref()
        .expect("a Retry-After header")
        .trim()
        .parse()
        .expect("Retry-After in seconds");
    assert!(
        (1..=60).contains(&retry_after),
        "Retry-After {retry_after} s: with authorize_per_minute = 3 and all 3 requests in the \
         last second, one more fits 60 s after the first of them"
    );
}

#[tokio::test]
async fn outside_wechat_authorize_shows_a_qr_code_page() {
    let env = Env::start("oidc-qr-page", "").await;
    // The app's state and nonce are the app's own text: the page must not take them as markup.
    let params = request_with(
        SHOP,
        SHOP_CB,
        &[("state", Some(MARKUP)), ("nonce", Some(MARKUP))],
    );
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let url = env.authorize_url(&pairs);
    let desktop = Browser::new(DESKTOP_UA);
    let page = desktop.get(&url).await;
    assert_eq!(page.status, 200, "{page:?}");
    assert!(page.location.is_none(), "{page:?}");
    assert!(page.content_type.starts_with("text/html"), "{page:?}");
    assert!(
        page.body.contains("<svg"),
        "the page holds an inline SVG QR code: {}",
        page.body
    );
    assert!(
        !page.body.contains(MARKUP),
        "the page shows the request's text unescaped: {}",
        page.body
    );
    // Control: the same URL in WeChat's browser goes to WeChat.
    check_to_wechat(&env.browser.get(&url).await, &env.wechat, env.issuer());
}

// ---------------------------------------------------------------------------------------------
// /callback refusals
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn state_replay_at_callback_is_an_error_page_without_a_second_exchange() {
    let env = Env::start("oidc-state-replay", "").await;
    let params = request_with(SHOP, SHOP_CB, &[]);
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let to_wechat = check_to_wechat(
        &env.browser.get(&env.authorize_url(&pairs)).await,
        &env.wechat,
        env.issuer(),
    );
    let callback = through_wechat(&env.browser, &env.wechat, &to_wechat).await;
    let back = app_redirect(&env.browser.get(&callback).await, SHOP_CB);
    assert!(back.contains_key("code"), "{back:?}");
    assert_eq!(env.wechat.exchanges().await, 1);

    // The same callback again.
    let page = env.browser.get(&callback).await;
    assert_error_page(&page, 400, "the same callback twice");
    // The same state with a fresh code from WeChat.
    let again = through_wechat(&env.browser, &env.wechat, &to_wechat).await;
    assert_ne!(again, callback);
    let page = env.browser.get(&again).await;
    assert_error_page(&page, 400, "a used state with a fresh code");
    assert_eq!(
        env.wechat.exchanges().await,
        1,
        "a replayed state must not exchange a code"
    );
}

#[tokio::test]
async fn unknown_state_at_callback_is_an_error_page() {
    let env = Env::start("oidc-unknown-state", "").await;
    let code = format!("{CODE_PREFIX}forged");
    let callback = format!("{}/callback", env.issuer());
    for (what, query) in [
        (
            "a state never issued",
            format!("code={code}&state={}", random_alnum(32)),
        ),
        ("no state", format!("code={code}")),
        ("an empty state", format!("code={code}&state=")),
    ] {
        let page = env.browser.get(&format!("{callback}?{query}")).await;
        assert_error_page(&page, 400, what);
    }
    assert_eq!(env.wechat.exchanges().await, 0, "no code exchanged");
}

#[tokio::test]
async fn user_refusal_goes_back_as_access_denied() {
    let env = Env::start("oidc-access-denied", "").await;
    env.wechat.set(Behaviour {
        refuse: true,
        ..Behaviour::default()
    });
    let params = request_with(SHOP, SHOP_CB, &[("scope", Some("openid profile"))]);
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let to_wechat = check_to_wechat(
        &env.browser.get(&env.authorize_url(&pairs)).await,
        &env.wechat,
        env.issuer(),
    );
    let callback = through_wechat(&env.browser, &env.wechat, &to_wechat).await;
    assert!(!callback.contains("code="), "{callback}");
    let page = env.browser.get(&callback).await;
    assert_app_error(&page, SHOP_CB, "access_denied", "the-app-state", "refused");
    assert_eq!(env.wechat.exchanges().await, 0);
}

#[tokio::test]
async fn wechat_error_at_code_exchange_goes_back_as_server_error() {
    let env = Env::start("oidc-server-error", "").await;
    env.wechat.set(Behaviour {
        exchange_error: Some(40029),
        ..Behaviour::default()
    });
    let params = request_with(SHOP, SHOP_CB, &[]);
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let to_wechat = check_to_wechat(
        &env.browser.get(&env.authorize_url(&pairs)).await,
        &env.wechat,
        env.issuer(),
    );
    let callback = through_wechat(&env.browser, &env.wechat, &to_wechat).await;
    let page = env.browser.get(&callback).await;
    assert_app_error(
        &page,
        SHOP_CB,
        "server_error",
        "the-app-state",
        "WeChat error",
    );
    assert_eq!(env.wechat.exchanges().await, 1);
}

// ---------------------------------------------------------------------------------------------
// /token refusals
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn bad_pkce_verifier_is_invalid_grant() {
    let env = Env::start("oidc-bad-verifier", "").await;
    // The public client's login up to its code, with a challenge whose verifier is known.
    async fn spa_code(env: &Env, challenge: &PkceCodeChallenge) -> String {
        let state = random_alnum(10);
        let url = env.authorize_url(&[
            ("client_id", SPA),
            ("redirect_uri", SPA_CB),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", &state),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ]);
        let browsed = env.browse(&url, SPA_CB).await;
        browsed.back.get("code").expect("a code").clone()
    }
    let exchange = |code: String, verifier: Option<String>| {
        let http = env.http.clone();
        let base = env.issuer().to_owned();
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code".to_owned()),
                ("code", code),
                ("redirect_uri", SPA_CB.to_owned()),
                ("client_id", SPA.to_owned()),
            ];
            if let Some(verifier) = verifier {
                form.push(("code_verifier", verifier));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, _, body) = token_request(&http, &base, &form, None).await;
            (status, body)
        }
    };

    let (challenge, _verifier) = PkceCodeChallenge::new_random_sha256();
    let code = spa_code(&env, &challenge).await;
    let wrong = PkceCodeVerifier::new(random_alnum(64));
    let (status, body) = exchange(code, Some(wrong.secret().clone())).await;
    assert_eq!(status, 400, "a wrong verifier: {body}");
    assert_eq!(body["error"], "invalid_grant", "{body}");

    let (challenge, _verifier) = PkceCodeChallenge::new_random_sha256();
    let code = spa_code(&env, &challenge).await;
    let (status, body) = exchange(code, None).await;
    assert_eq!(status, 400, "no verifier: {body}");
    assert!(
        body["error"] == "invalid_grant" || body["error"] == "invalid_request",
        "{body}"
    );

    // Control: the right verifier works.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let code = spa_code(&env, &challenge).await;
    let (status, body) = exchange(code, Some(verifier.secret().clone())).await;
    assert_eq!(status, 200, "the right verifier: {body}");
    assert!(body["id_token"].is_string(), "{body}");
}

#[tokio::test]
async fn code_replay_is_refused_and_revokes_the_first_tokens() {
    let env = Env::start("oidc-code-replay", "").await;
    let code = shop_code(&env, "openid").await;
    let (status, first) = shop_exchange(&env.http, env.issuer(), &code).await;
    assert_eq!(status, 200, "{first}");
    let access = first["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();
    let (status, info) = userinfo(&env.http, env.issuer(), &access).await;
    assert_eq!(status, 200, "the fresh access token works: {info}");

    let (status, second) = shop_exchange(&env.http, env.issuer(), &code).await;
    assert_eq!(status, 400, "the second use of a code: {second}");
    assert_eq!(second["error"], "invalid_grant", "{second}");
    assert!(second.get("access_token").is_none(), "{second}");

    let (status, info) = userinfo(&env.http, env.issuer(), &access).await;
    assert_eq!(
        status, 401,
        "the tokens issued from a replayed code stop working: {info}"
    );
    let (status, info) = userinfo(&env.http, env.issuer(), "not-a-token").await;
    assert_eq!(status, 401, "an unknown token: {info}");
    assert_not_logged(
        &env.one,
        &[("app's code", &code), ("access token", &access)],
    );
}

#[tokio::test]
async fn token_request_checks_the_client_and_the_redirect_uri() {
    let env = Env::start("oidc-token-refusals", "").await;
    let form = |code: &str, redirect: &str| {
        vec![
            ("grant_type".to_owned(), "authorization_code".to_owned()),
            ("code".to_owned(), code.to_owned()),
            ("redirect_uri".to_owned(), redirect.to_owned()),
        ]
    };
    let send = |form: Vec<(String, String)>, basic: Option<(&'static str, &'static str)>| {
        let http = env.http.clone();
        let base = env.issuer().to_owned();
        async move {
            let pairs: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (status, _, body) = token_request(&http, &base, &pairs, basic).await;
            (status, body)
        }
    };

    // A wrong secret in the Authorization header: 401 (RFC 6749 5.2).
    let code = shop_code(&env, "openid").await;
    let (status, body) = send(form(&code, SHOP_CB), Some((SHOP, "not-the-secret"))).await;
    assert_eq!(status, 401, "wrong client secret (basic): {body}");
    assert_eq!(body["error"], "invalid_client", "{body}");

    // A wrong secret in the body.
    let code = shop_code(&env, "openid").await;
    let mut post = form(&code, SHOP_CB);
    post.push(("client_id".into(), SHOP.into()));
    post.push(("client_secret".into(), "not-the-secret".into()));
    let (status, body) = send(post, None).await;
    assert!(
        status == 400 || status == 401,
        "wrong client secret (post): {status} {body}"
    );
    assert_eq!(body["error"], "invalid_client", "{body}");

    // The confidential client without any authentication.
    let code = shop_code(&env, "openid").await;
    let mut none = form(&code, SHOP_CB);
    none.push(("client_id".into(), SHOP.into()));
    let (status, body) = send(none, None).await;
    assert!(
        status == 400 || status == 401,
        "no client authentication: {status} {body}"
    );
    assert_eq!(body["error"], "invalid_client", "{body}");

    // Another redirect_uri than the authorize request's.
    let code = shop_code(&env, "openid").await;
    let (status, body) = send(
        form(&code, "http://127.0.0.1:9/elsewhere"),
        Some((SHOP, SHOP_SECRET)),
    )
    .await;
    assert_eq!(status, 400, "another redirect_uri: {body}");
    assert_eq!(body["error"], "invalid_grant", "{body}");

    // The shop's code presented by the public client.
    let code = shop_code(&env, "openid").await;
    let mut stolen = form(&code, SHOP_CB);
    stolen.push(("client_id".into(), SPA.into()));
    stolen.push(("code_verifier".into(), random_alnum(50)));
    let (status, body) = send(stolen, None).await;
    assert_eq!(status, 400, "another client's code: {body}");
    assert_eq!(body["error"], "invalid_grant", "{body}");

    // Another grant type.
    let (status, body) = send(
        vec![
            ("grant_type".into(), "password".into()),
            ("username".into(), "u".into()),
            ("password".into(), "p".into()),
        ],
        Some((SHOP, SHOP_SECRET)),
    )
    .await;
    assert_eq!(status, 400, "grant_type=password: {body}");
    assert_eq!(body["error"], "unsupported_grant_type", "{body}");

    // A code nobody issued.
    let (status, body) = send(form("no-such-code", SHOP_CB), Some((SHOP, SHOP_SECRET))).await;
    assert_eq!(status, 400, "an unknown code: {body}");
    assert_eq!(body["error"], "invalid_grant", "{body}");

    // Control: a fresh code with the right credentials works.
    let code = shop_code(&env, "openid").await;
    let (status, body) = send(form(&code, SHOP_CB), Some((SHOP, SHOP_SECRET))).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn code_expires_after_60_seconds() {
    // The gateway's codes live 60 s in its own clock: this test waits for real, while the
    // other tests run beside it.
    let env = Env::start("oidc-code-expiry", "").await;
    let fresh = shop_code(&env, "openid").await;
    let stale = shop_code(&env, "openid").await;
    let (status, body) = shop_exchange(&env.http, env.issuer(), &fresh).await;
    assert_eq!(status, 200, "a fresh code works: {body}");
    tokio::time::sleep(CODE_TTL + Duration::from_secs(2)).await;
    let (status, body) = shop_exchange(&env.http, env.issuer(), &stale).await;
    assert_eq!(status, 400, "a code older than 60 s: {body}");
    assert_eq!(body["error"], "invalid_grant", "{body}");
}

// ---------------------------------------------------------------------------------------------
// Many instances
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn login_started_on_one_instance_finishes_on_another_through_redis() {
    let redis = RedisServer::start();
    let wechat = WeChatOAuth::start().await;
    let db = tempfile::tempdir().unwrap();
    let shared = format!(
        "[dedup]\nbackend = \"redis\"\n[redis]\nurl = \"{}\"\nkey_prefix = \"wxgate-oidc:\"\ntimeout_ms = 1000\n",
        redis.url()
    );
    // Both instances stand behind one public_url (A's address): WeChat's redirect names A, the
    // test sends it to B, as a load balancer might.
    let (port_a, port_b) = (free_port(), free_port());
    let a = Instance::start(
        "oidc-cluster-a",
        port_a,
        port_a,
        db.path(),
        &wechat,
        &shared,
    )
    .await;
    let b = Instance::start(
        "oidc-cluster-b",
        port_b,
        port_a,
        db.path(),
        &wechat,
        &shared,
    )
    .await;
    let http = rp_http();
    let browser = Browser::new(WECHAT_UA);

    // The library's own login: authorize on A, callback and token exchange on B.
    let rp_b = CoreClient::from_provider_metadata(
        CoreProviderMetadata::discover_async(IssuerUrl::new(a.issuer.clone()).unwrap(), &http)
            .await
            .unwrap_or_else(|e| panic!("discovery: {e:?}")),
        ClientId::new(SHOP.into()),
        Some(ClientSecret::new(SHOP_SECRET.into())),
    )
    .set_redirect_uri(RedirectUrl::new(SHOP_CB.into()).unwrap())
    .set_token_uri(openidconnect::TokenUrl::new(format!("{}/token", b.here())).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = rp_b
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let browsed = browse(&browser, &wechat, &a, url.as_str(), &b, SHOP_CB).await;
    assert_eq!(browsed.back.get("state"), Some(csrf.secret()));
    let code = browsed.back["code"].clone();
    let tokens = rp_b
        .exchange_code(AuthorizationCode::new(code.clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap_or_else(|e| panic!("the code exchange on B failed: {e:?}"));
    let id_token = tokens.id_token().expect("an id_token");
    let claims = id_token
        .claims(&rp_b.id_token_verifier(), &nonce)
        .unwrap_or_else(|e| panic!("B's id_token does not verify with A's keys: {e:?}"));
    assert_eq!(claims.subject().as_str(), OPENID);
    assert_eq!(claims.issuer().as_str(), a.issuer);
    assert_eq!(wechat.exchanges().await, 1);
    assert_eq!(wechat.userinfo_calls().await, 1);

    // B's access token works on A too.
    let access = tokens.access_token().secret().clone();
    let (status, info) = userinfo(&http, &a.here(), &access).await;
    assert_eq!(status, 200, "B's access token at A's userinfo: {info}");
    assert_eq!(info["name"], NICKNAME, "{info}");

    // The code redeemed on B cannot be redeemed again on A, and that revokes B's tokens.
    let (status, body) = shop_exchange(&http, &a.here(), &code).await;
    assert_eq!(status, 400, "the code again, on A: {body}");
    assert_eq!(body["error"], "invalid_grant", "{body}");
    let (status, info) = userinfo(&http, &b.here(), &access).await;
    assert_eq!(status, 401, "revoked everywhere after a replay: {info}");

    // A state used on B cannot be used on A.
    let to_wechat = check_to_wechat(&browser.get(url.as_str()).await, &wechat, &a.issuer);
    let callback = through_wechat(&browser, &wechat, &to_wechat).await;
    let on_b = format!("{}{}", b.here(), &callback[a.issuer.len()..]);
    app_redirect(&browser.get(&on_b).await, SHOP_CB);
    let again = through_wechat(&browser, &wechat, &to_wechat).await;
    assert_error_page(&browser.get(&again).await, 400, "a state used on B, on A");
    assert_eq!(wechat.exchanges().await, 2);

    for instance in [&a, &b] {
        assert_not_logged(
            instance,
            &[("app's code", &code), ("access token", &access)],
        );
    }
}

#[tokio::test]
async fn rotated_key_signs_new_logins_within_10_seconds_and_old_tokens_still_verify() {
    let wechat = WeChatOAuth::start().await;
    let db = tempfile::tempdir().unwrap();
    let (port_a, port_b) = (free_port(), free_port());
    let a = Instance::start("oidc-rotate-a", port_a, port_a, db.path(), &wechat, "").await;
    let b = Instance::start("oidc-rotate-b", port_b, port_b, db.path(), &wechat, "").await;
    let http = rp_http();
    let browser = Browser::new(WECHAT_UA);
    let rp_a = rp(&http, &a.issuer, SHOP, Some(SHOP_SECRET), SHOP_CB).await;
    let rp_b = rp(&http, &b.issuer, SHOP, Some(SHOP_SECRET), SHOP_CB).await;
    let user = User {
        http: &http,
        browser: &browser,
        wechat: &wechat,
    };

    // Instances sharing the database sign with the same key.
    let before_a = rp_login_via(&rp_a, &user, &a, &a, SHOP_CB, false).await;
    let before_b = rp_login_via(&rp_b, &user, &b, &b, SHOP_CB, false).await;
    let old_kid = kid_of(&before_a.id_token().to_string());
    assert_eq!(kid_of(&before_b.id_token().to_string()), old_kid);
    assert_eq!(
        jwks_kids(&http, &a.issuer).await,
        std::slice::from_ref(&old_kid)
    );
    assert_eq!(
        jwks_kids(&http, &b.issuer).await,
        std::slice::from_ref(&old_kid)
    );

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_wxgate"))
        .args(["rotate-signing-key", "--config"])
        .arg(&a.config_path)
        .output()
        .await
        .unwrap();
    let rotated = Instant::now();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "rotate-signing-key: {stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Within 10 s a new login on each instance carries the new kid.
    let mut new_kid = None;
    for (name, instance, rp) in [("a", &a, &rp_a), ("b", &b, &rp_b)] {
        loop {
            let login = rp_login_via(rp, &user, instance, instance, SHOP_CB, false).await;
            let kid = kid_of(&login.id_token().to_string());
            if kid != old_kid {
                if let Some(new) = &new_kid {
                    assert_eq!(&kid, new, "both instances sign with the new key");
                }
                new_kid = Some(kid);
                break;
            }
            assert!(
                rotated.elapsed() < Duration::from_secs(10),
                "instance {name} still signs with the old key 10 s after the rotation ({})",
                instance.issuer
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    let new_kid = new_kid.unwrap();
    assert!(
        stdout.contains(&new_kid),
        "rotate-signing-key prints the new kid {new_kid}: {stdout:?}"
    );

    // Both keys are published; tokens signed before the rotation still verify.
    for (instance, before) in [(&a, &before_a), (&b, &before_b)] {
        let kids = jwks_kids(&http, &instance.issuer).await;
        assert!(
            kids.contains(&old_kid) && kids.contains(&new_kid),
            "the JWKS holds the old and the new key: {kids:?}"
        );
        verify_with(
            &before.id_token().to_string(),
            fetch_jwks(&http, &instance.issuer).await,
            &instance.issuer,
            SHOP,
            &before.nonce,
        );
    }

    // No private key in any log line, nor in what the command printed.
    let printed = format!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let keys = private_keys(db.path()).await;
    assert_eq!(keys.len(), 2, "the old and the new key are stored");
    for pem in &keys {
        for instance in [&a, &b] {
            assert_not_logged(instance, &[("private key", pem)]);
        }
        assert!(
            !printed.contains(pem.as_str()),
            "rotate-signing-key printed a private key"
        );
    }
    for instance in [&a, &b] {
        let log = std::fs::read_to_string(&instance.gateway.log).unwrap();
        assert!(
            !log.contains("PRIVATE KEY"),
            "a private key in {:?}",
            instance.gateway.log
        );
    }
    assert!(!printed.contains("PRIVATE KEY"), "{printed}");
}

/// One line of base64 from the middle of each private key stored in `db_dir/wxgate.db`
/// (enough to find the key in a log, whatever the layout around it).
async fn private_keys(db_dir: &Path) -> Vec<String> {
    use sqlx::Row as _;
    let url = format!("sqlite://{}", db_dir.join("wxgate.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let rows = sqlx::query("SELECT private_key FROM signing_keys")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    rows.iter()
        .map(|row| {
            let pem: String = row.get("private_key");
            let body: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            assert!(body.len() > 4, "a PEM key");
            body[body.len() / 2].to_owned()
        })
        .collect()
}
