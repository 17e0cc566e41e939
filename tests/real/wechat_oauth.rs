//! A mock of WeChat's web OAuth for the OpenID Connect tests: the authorize page (it redirects
//! straight back with a fresh code and the state, as WeChat does once the user agrees), the code
//! exchange `sns/oauth2/access_token` (each code once; a second use is errcode 40163, as on
//! WeChat) and `sns/userinfo`. The account's own token endpoints answer too, in case the gateway
//! asks for an access token.
//!
//! Everything the mock hands out starts with a prefix listed in tests/secrets.txt, so
//! scripts/test.sh finds any of it in the gateway's logs.

#![allow(dead_code)] // the tests use their own subset

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::real::{ACCESS, APPID, SECRET};

/// The user's openid for the account (the `sub` the gateway must give).
pub const OPENID: &str = "oOidcTestUser_6sgVt7hMZOPfL2M";
/// The user's unionid (when the mock gives one).
pub const UNIONID: &str = "oUnionOidcTest_9b7d2Qx4Kc1Hw";
/// The nickname `sns/userinfo` answers (not ASCII, as most are).
pub const NICKNAME: &str = "微信用户 Zhang";
/// The avatar `sns/userinfo` answers.
pub const HEADIMGURL: &str = "https://thirdwx.qlogo.cn/mmopen/vi_32/Q0j4TwGTfTK/132";
/// Prefix of every code the mock's authorize page hands out (in tests/secrets.txt).
pub const CODE_PREFIX: &str = "OidcWxC0de";
/// Prefix of every `sns` access token the mock hands out (in tests/secrets.txt).
pub const SNS_ACCESS_PREFIX: &str = "OidcSnsAccessT0ken";
/// Prefix of every `sns` refresh token the mock hands out (in tests/secrets.txt).
pub const SNS_REFRESH_PREFIX: &str = "OidcSnsRefreshT0ken";

/// How the mock behaves; tests change it between logins.
#[derive(Clone, Debug)]
pub struct Behaviour {
    /// The user refuses: the authorize page goes back with the state and no code.
    pub refuse: bool,
    /// The code exchange answers this error code (e.g. 40029) instead of a grant.
    pub exchange_error: Option<i64>,
    /// The code exchange and `sns/userinfo` include the unionid.
    pub unionid: bool,
}

impl Default for Behaviour {
    fn default() -> Behaviour {
        Behaviour {
            refuse: false,
            exchange_error: None,
            unionid: true,
        }
    }
}

#[derive(Default)]
struct Inner {
    behaviour: Behaviour,
    serial: u64,
    /// code -> (WeChat scope asked for, used)
    codes: HashMap<String, (String, bool)>,
    /// sns access token -> WeChat scope
    tokens: HashMap<String, String>,
    /// Every refusal the mock made, with its reason (for assertion messages).
    complaints: Vec<String>,
}

/// The mock; cheap to clone.
#[derive(Clone)]
pub struct WeChatOAuth {
    pub server: Arc<MockServer>,
    inner: Arc<Mutex<Inner>>,
}

impl WeChatOAuth {
    /// Starts the mock with the default behaviour.
    pub async fn start() -> WeChatOAuth {
        let server = MockServer::start().await;
        let inner = Arc::new(Mutex::new(Inner::default()));
        Mock::given(method("GET"))
            .and(path("/connect/oauth2/authorize"))
            .respond_with(Authorize(inner.clone()))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/sns/oauth2/access_token"))
            .respond_with(Exchange(inner.clone()))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/sns/userinfo"))
            .respond_with(UserInfo(inner.clone()))
            .mount(&server)
            .await;
        for token_path in ["/cgi-bin/stable_token", "/cgi-bin/token"] {
            Mock::given(path(token_path))
                .respond_with(ResponseTemplate::new(200).set_body_json(
                    serde_json::json!({ "access_token": ACCESS, "expires_in": 7200 }),
                ))
                .mount(&server)
                .await;
        }
        WeChatOAuth {
            server: Arc::new(server),
            inner,
        }
    }

    /// `http://127.0.0.1:PORT`: both the account's `api_base` and `oauth_base`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Changes how the mock behaves from now on.
    pub fn set(&self, behaviour: Behaviour) {
        self.inner.lock().unwrap().behaviour = behaviour;
    }

    /// How many requests reached `path` so far.
    pub async fn hits(&self, path: &str) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path() == path)
            .count()
    }

    /// How many code exchanges (`sns/oauth2/access_token`) the gateway made.
    pub async fn exchanges(&self) -> usize {
        self.hits("/sns/oauth2/access_token").await
    }

    /// How many `sns/userinfo` calls the gateway made.
    pub async fn userinfo_calls(&self) -> usize {
        self.hits("/sns/userinfo").await
    }

    /// What the mock refused so far, and why.
    pub fn complaints(&self) -> Vec<String> {
        self.inner.lock().unwrap().complaints.clone()
    }
}

fn params(request: &Request) -> HashMap<String, String> {
    request.url.query_pairs().into_owned().collect()
}

fn json(value: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        serde_json::to_vec(&value).unwrap(),
        "application/json; encoding=utf-8",
    )
}

fn wechat_error(code: i64, message: &str) -> ResponseTemplate {
    json(serde_json::json!({ "errcode": code, "errmsg": message }))
}

/// The authorize page: checks the parameters (names in WeChat's order, the appid, a known
/// scope) and sends the browser back to `redirect_uri` with a fresh code and the state.
struct Authorize(Arc<Mutex<Inner>>);

impl Respond for Authorize {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut inner = self.0.lock().unwrap();
        let names: Vec<String> = request
            .url
            .query_pairs()
            .map(|(name, _)| name.into_owned())
            .collect();
        let p = params(request);
        let complaint = if names != ["appid", "redirect_uri", "response_type", "scope", "state"] {
            Some(format!("parameters {names:?} not in WeChat's order"))
        } else if p["appid"] != APPID {
            Some(format!("appid {}", p["appid"]))
        } else if p["response_type"] != "code" {
            Some(format!("response_type {}", p["response_type"]))
        } else if !["snsapi_base", "snsapi_userinfo"].contains(&p["scope"].as_str()) {
            Some(format!("scope {}", p["scope"]))
        } else {
            None
        };
        if let Some(complaint) = complaint {
            inner.complaints.push(format!("authorize: {complaint}"));
            // WeChat shows an error page in the browser.
            return ResponseTemplate::new(200).set_body_string(format!("参数错误: {complaint}"));
        }
        let Ok(mut back) = url::Url::parse(&p["redirect_uri"]) else {
            inner
                .complaints
                .push(format!("authorize: redirect_uri {}", p["redirect_uri"]));
            return ResponseTemplate::new(200).set_body_string("redirect_uri 参数错误");
        };
        if inner.behaviour.refuse {
            back.query_pairs_mut().append_pair("state", &p["state"]);
        } else {
            inner.serial += 1;
            let code = format!("{CODE_PREFIX}{:06}x", inner.serial);
            inner
                .codes
                .insert(code.clone(), (p["scope"].clone(), false));
            back.query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", &p["state"]);
        }
        ResponseTemplate::new(302).insert_header("Location", back.as_str())
    }
}

/// `sns/oauth2/access_token`: one grant per code issued by [`Authorize`], once.
struct Exchange(Arc<Mutex<Inner>>);

impl Respond for Exchange {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut inner = self.0.lock().unwrap();
        let p = params(request);
        let get = |name: &str| p.get(name).cloned().unwrap_or_default();
        if get("appid") != APPID || get("secret") != SECRET {
            inner
                .complaints
                .push("access_token: wrong appid or secret".to_owned());
            return wechat_error(40125, "invalid appsecret");
        }
        if get("grant_type") != "authorization_code" {
            inner
                .complaints
                .push(format!("access_token: grant_type {}", get("grant_type")));
            return wechat_error(40002, "invalid grant_type");
        }
        if let Some(code) = inner.behaviour.exchange_error {
            return wechat_error(code, "invalid code");
        }
        let unionid = inner.behaviour.unionid;
        let scope = match inner.codes.get_mut(&get("code")) {
            None => {
                inner
                    .complaints
                    .push("access_token: a code the mock never issued".to_owned());
                return wechat_error(40029, "invalid code");
            }
            Some((_, true)) => {
                inner
                    .complaints
                    .push("access_token: a code used twice".to_owned());
                return wechat_error(40163, "code been used");
            }
            Some((scope, used)) => {
                *used = true;
                scope.clone()
            }
        };
        inner.serial += 1;
        let access = format!("{SNS_ACCESS_PREFIX}{:06}x", inner.serial);
        inner.tokens.insert(access.clone(), scope.clone());
        let mut grant = serde_json::json!({
            "access_token": access,
            "expires_in": 7200,
            "refresh_token": format!("{SNS_REFRESH_PREFIX}{:06}x", inner.serial),
            "openid": OPENID,
            "scope": scope,
        });
        if unionid {
            grant["unionid"] = UNIONID.into();
        }
        json(grant)
    }
}

/// `sns/userinfo`: the user's profile for a token from a `snsapi_userinfo` code.
struct UserInfo(Arc<Mutex<Inner>>);

impl Respond for UserInfo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut inner = self.0.lock().unwrap();
        let p = params(request);
        let get = |name: &str| p.get(name).cloned().unwrap_or_default();
        match inner.tokens.get(&get("access_token")) {
            None => {
                inner
                    .complaints
                    .push("userinfo: an access token the mock never issued".to_owned());
                return wechat_error(40001, "invalid credential, access_token is invalid");
            }
            Some(scope) if scope != "snsapi_userinfo" => {
                inner
                    .complaints
                    .push("userinfo: a snsapi_base token".to_owned());
                return wechat_error(48001, "api unauthorized");
            }
            Some(_) => {}
        }
        if get("openid") != OPENID {
            inner
                .complaints
                .push(format!("userinfo: openid {}", get("openid")));
            return wechat_error(40003, "invalid openid");
        }
        let mut user = serde_json::json!({
            "openid": OPENID,
            "nickname": NICKNAME,
            "sex": 0,
            "province": "",
            "city": "",
            "country": "",
            "headimgurl": HEADIMGURL,
            "privilege": [],
        });
        if inner.behaviour.unionid {
            user["unionid"] = UNIONID.into();
        }
        json(user)
    }
}
