//! The apps registered in `[[clients]]`: who may log users in through which account, and where
//! their users may be sent back to.

use std::collections::HashMap;
use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::{ClientConfig, ClientScope};

/// One registered app.
pub struct Client {
    /// The client id.
    pub id: String,
    /// SHA-256 of the secret; `None` for a public client.
    secret_digest: Option<[u8; 32]>,
    accounts: Vec<String>,
    redirect_uris: Vec<String>,
    scopes: Vec<ClientScope>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("public", &self.is_public())
            .field("accounts", &self.accounts)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// The client of one `[[clients]]` entry.
    pub fn new(config: &ClientConfig) -> Client {
        Client {
            id: config.id.clone(),
            secret_digest: config.secret.as_deref().map(digest),
            accounts: config.accounts.clone(),
            redirect_uris: config.redirect_uris.clone(),
            scopes: config.scopes.clone(),
        }
    }

    /// Whether the client has no secret (it proves itself with PKCE instead).
    pub fn is_public(&self) -> bool {
        self.secret_digest.is_none()
    }

    /// Whether `presented` is the client's secret. Compared in constant time (as digests, so
    /// the length of the secret does not show either); always false for a public client.
    pub fn secret_matches(&self, presented: &str) -> bool {
        self.secret_digest
            .is_some_and(|expected| bool::from(digest(presented).ct_eq(&expected)))
    }

    /// Whether the client may use the account called `account`.
    pub fn may_use(&self, account: &str) -> bool {
        self.accounts.iter().any(|a| a == account)
    }

    /// Whether the client was given `scope`.
    pub fn has_scope(&self, scope: ClientScope) -> bool {
        self.scopes.contains(&scope)
    }

    /// Whether `uri` is, character for character, one of the client's redirect URIs.
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|registered| registered == uri)
    }
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Every registered app, by id.
#[derive(Debug, Default)]
pub struct Clients {
    by_id: HashMap<String, Client>,
}

impl Clients {
    /// The apps of `[[clients]]` (ids are unique: the config check saw to that).
    pub fn new(configs: &[ClientConfig]) -> Clients {
        Clients {
            by_id: configs
                .iter()
                .map(|config| (config.id.clone(), Client::new(config)))
                .collect(),
        }
    }

    /// The client with id `id`.
    pub fn get(&self, id: &str) -> Option<&Client> {
        self.by_id.get(id)
    }

    /// Whether any client may log users in.
    pub fn any_login(&self) -> bool {
        self.by_id.values().any(|c| c.has_scope(ClientScope::Login))
    }
}

#[cfg(test)]
#[path = "clients_test.rs"]
mod tests;
