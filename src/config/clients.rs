//! `[[clients]]` and `[oidc]`: the web apps that may use the gateway, checked against the
//! accounts they name, and the limits of the OpenID Connect endpoints. Only the `login` scope
//! needs `redirect_uris` (and `[server] public_url`); a client that only sends messages needs
//! neither.
//!
//! The accounts are given as they are written in the file ([`WrittenAccount`]), so that a
//! problem with an account itself (a bad name, a bad secret) is reported once, at the account,
//! and not again at every client naming it.

use std::collections::HashMap;

use toml::{Table, Value};

use super::values::{
    check_client_id, check_client_secret, check_redirect_uri, check_scope, check_webhook,
};
use super::walk::{Problems, Section, closest, list, quote};
use super::{ClientConfig, ClientScope, OidcConfig};

/// Shortest and longest `oidc.token_ttl_secs`.
const TOKEN_TTL_SECS: std::ops::RangeInclusive<u64> = 60..=86_400;
/// Largest `oidc.authorize_per_minute` and `oidc.token_per_minute`.
const MAX_PER_MINUTE: u64 = 1_000_000;

/// An `[[accounts]]` entry as written: what a client may refer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WrittenAccount<'a> {
    /// `accounts[i]`.
    path: String,
    /// Its `name`, when it is a string.
    name: Option<&'a str>,
    /// True when it has a `secret` key (a bad one is the account's own problem).
    has_secret: bool,
    /// True when it says `kind = "miniprogram"` (mini programs have no web login).
    is_miniprogram: bool,
}

/// The `[[accounts]]` entries of `doc` as written.
pub(super) fn written_accounts(doc: &Table) -> Vec<WrittenAccount<'_>> {
    let Some(Value::Array(entries)) = doc.get("accounts") else {
        return Vec::new();
    };
    entries
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| {
            let table = entry.as_table()?;
            Some(WrittenAccount {
                path: format!("accounts[{i}]"),
                name: table.get("name").and_then(Value::as_str),
                has_secret: table.contains_key("secret"),
                is_miniprogram: table.get("kind").and_then(Value::as_str) == Some("miniprogram"),
            })
        })
        .collect()
}

/// Every `[[clients]]` entry, checked against `accounts`.
pub(super) fn clients(
    root: &mut Section<'_>,
    accounts: &[WrittenAccount<'_>],
    p: &mut Problems,
) -> Vec<ClientConfig> {
    let mut ids = HashMap::new();
    root.tables("clients", p)
        .unwrap_or_default()
        .into_iter()
        .map(|section| client(section, accounts, &mut ids, p))
        .collect()
}

/// One `[[clients]]`; `ids` maps each id seen so far to the client that took it.
fn client(
    mut c: Section<'_>,
    accounts: &[WrittenAccount<'_>],
    ids: &mut HashMap<String, String>,
    p: &mut Problems,
) -> ClientConfig {
    let id = c.required_string_with(
        "id",
        p,
        "add id = \"...\": the client_id the app sends, e.g. id = \"shop\"",
        check_client_id,
    );
    if let Some(id) = &id {
        match ids.get(id) {
            Some(first) => p.add(
                c.key("id"),
                format!("{} is already the id of {first}", quote(id)),
                "each client needs its own id: apps are told apart by their client_id",
            ),
            None => {
                ids.insert(id.clone(), c.path().to_owned());
            }
        }
    }
    let secret = c.string_with("secret", p, check_client_secret);

    c.require(
        "scopes",
        p,
        "add scopes = [\"login\"] to log users in with WeChat (or \"send\" to send messages)",
    );
    let scopes = c.strings_with("scopes", p, check_scope).unwrap_or_default();
    if is_empty_array(c.value("scopes")) {
        p.add(
            c.key("scopes"),
            "must not be empty",
            "say what this app may do: scopes = [\"login\"] logs users in with WeChat, \
             \"send\" sends messages",
        );
    }
    let scopes = without_repeats(&c.key("scopes"), scopes, p, |scope| {
        format!("`{}`", scope.as_str())
    });
    let login = scopes.iter().any(|&(_, scope)| scope == ClientScope::Login);
    let send = scopes.iter().any(|&(_, scope)| scope == ClientScope::Send);
    if send && !c.contains("secret") {
        p.add(
            c.key("secret"),
            "a client with the `send` scope needs a secret",
            "add secret = \"...\" (e.g. `openssl rand -hex 32`): the send API authenticates the \
             app with HTTP Basic (id and secret), and its webhooks are signed with the secret",
        );
    }

    c.require(
        "accounts",
        p,
        "add accounts = [\"...\"] with the names of the accounts this app may use",
    );
    let names = c
        .strings_with("accounts", p, |name| Ok(name.to_owned()))
        .unwrap_or_default();
    if is_empty_array(c.value("accounts")) {
        p.add(
            c.key("accounts"),
            "must not be empty",
            "list the accounts this app may use, e.g. accounts = [\"demo\"]",
        );
    }
    let names = without_repeats(&c.key("accounts"), names, p, |name| quote(name));
    for (i, name) in &names {
        check_account(&c.key("accounts"), *i, name, (login, send), accounts, p);
    }

    let uris = c
        .strings_with("redirect_uris", p, check_redirect_uri)
        .unwrap_or_default();
    let uris_value = c.value("redirect_uris");
    if login && (uris_value.is_none() || is_empty_array(uris_value)) {
        p.add(
            c.key("redirect_uris"),
            "a client with the `login` scope needs at least one redirect URI",
            "add redirect_uris = [\"https://shop.example.com/auth/callback\"]: where the app \
             receives the login's code",
        );
    }
    let uris = without_repeats(&c.key("redirect_uris"), uris, p, |uri| quote(uri));
    let webhook = c.string_with("webhook", p, check_webhook);
    if c.contains("webhook") && !c.contains("secret") {
        p.add(
            c.key("webhook"),
            "a webhook needs the client's secret",
            "add secret = \"...\": every webhook call is signed with it (X-Wxgate-Signature), \
             so the app can tell the calls are the gateway's",
        );
    }
    c.finish(p);
    ClientConfig {
        id: id.unwrap_or_default(),
        secret,
        accounts: names.into_iter().map(|(_, name)| name).collect(),
        redirect_uris: uris.into_iter().map(|(_, uri)| uri).collect(),
        scopes: scopes.into_iter().map(|(_, scope)| scope).collect(),
        webhook,
    }
}

/// True when `value` is an array with nothing in it.
fn is_empty_array(value: Option<&Value>) -> bool {
    matches!(value, Some(Value::Array(items)) if items.is_empty())
}

/// `items` without the ones equal to an earlier one; each repeat is a problem at `key[i]`.
pub(super) fn without_repeats<T: PartialEq>(
    key: &str,
    items: Vec<(usize, T)>,
    p: &mut Problems,
    show: impl Fn(&T) -> String,
) -> Vec<(usize, T)> {
    let mut kept: Vec<(usize, T)> = Vec::with_capacity(items.len());
    for (i, item) in items {
        match kept.iter().find(|(_, earlier)| *earlier == item) {
            Some((first, _)) => p.add(
                format!("{key}[{i}]"),
                format!("{} is already listed at {key}[{first}]", show(&item)),
                "list each value once",
            ),
            None => kept.push((i, item)),
        }
    }
    kept
}

/// The account `name`, listed at `key[i]`: it must exist and, for a client that logs users in
/// or sends messages, have a `secret` (WeChat's code exchange and every send need it); a login
/// client may not name a mini program.
fn check_account(
    key: &str,
    i: usize,
    name: &str,
    (login, send): (bool, bool),
    accounts: &[WrittenAccount<'_>],
    p: &mut Problems,
) {
    let element = format!("{key}[{i}]");
    let Some(account) = accounts.iter().find(|account| account.name == Some(name)) else {
        let names: Vec<&str> = accounts.iter().filter_map(|account| account.name).collect();
        let known = if names.is_empty() {
            "no account has a name yet".to_owned()
        } else {
            format!("the accounts are {}", list(&names))
        };
        let hint = match closest(name, &names) {
            Some(close) => format!("did you mean `{close}`? {known}"),
            None => known,
        };
        p.add(
            element,
            format!("no account is named {}", quote(name)),
            hint,
        );
        return;
    };
    if login && account.is_miniprogram {
        p.add(
            element,
            format!(
                "account {} is a mini program, which has no web login",
                quote(name)
            ),
            "mini programs log users in through POST /mp/{account}/login; list only official \
             accounts for a client with the `login` scope",
        );
        return;
    }
    if (login || send) && !account.has_secret {
        let (what, why) = if login {
            ("logging users in", "WeChat's code exchange needs it")
        } else {
            (
                "sending messages",
                "every send needs the account's access token",
            )
        };
        p.add(
            element,
            format!("account {} has no secret, which {what} needs", quote(name)),
            format!(
                "add secret = \"...\" (the AppSecret from the WeChat admin page) to {}: {why}",
                account.path
            ),
        );
    }
}

/// `[oidc]`.
pub(super) fn oidc(mut s: Section<'_>, p: &mut Problems) -> OidcConfig {
    const TTL: &str = "seconds from 60 to 86400 an id_token and an access_token stay valid; \
                       3600 is usual";
    const AUTHORIZE: &str = "logins one client IP may start per minute, from 0 (no limit) to \
                             1000000; leave room for many users behind one office NAT, e.g. 600";
    const TOKEN: &str = "requests to /token and /userinfo one client IP may make per minute, \
                         from 0 (no limit) to 1000000; an app's server makes them all, e.g. 6000";
    let d = OidcConfig::default();
    let config = OidcConfig {
        token_ttl_secs: s
            .uint("token_ttl_secs", p, TOKEN_TTL_SECS, TTL)
            .unwrap_or(d.token_ttl_secs),
        authorize_per_minute: s
            .uint("authorize_per_minute", p, 0..=MAX_PER_MINUTE, AUTHORIZE)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(d.authorize_per_minute),
        token_per_minute: s
            .uint("token_per_minute", p, 0..=MAX_PER_MINUTE, TOKEN)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(d.token_per_minute),
    };
    s.finish(p);
    config
}

/// Reports a missing `server.public_url` when one of `clients` logs users in; true when it
/// did.
pub(super) fn require_public_url(clients: &[ClientConfig], p: &mut Problems) -> bool {
    let Some(client) = clients
        .iter()
        .find(|client| client.has_scope(ClientScope::Login))
    else {
        return false;
    };
    let which = if client.id.is_empty() {
        "a client".to_owned()
    } else {
        format!("client {}", quote(&client.id))
    };
    p.add(
        "server.public_url",
        format!("missing required key: {which} has the `login` scope"),
        "add public_url = \"https://wx.example.com\" to [server]: the address browsers and \
         WeChat reach this gateway at; the OpenID Connect issuer and WeChat's redirect are \
         built from it",
    );
    true
}

#[cfg(test)]
#[path = "clients_test.rs"]
mod tests;
