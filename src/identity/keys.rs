//! The signing keys: RSA 2048 keys kept in the store, so that every gateway instance sharing
//! the database signs with the same key and publishes the same JWK set.
//!
//! - **First start**: [`KeyRing::load`] finds no key, makes one and stores it as the active key.
//!   Instances starting at once each make one, and the store keeps exactly one of them
//!   ([`Store::create_first_signing_key`]); every instance then loads that one.
//! - **Rotation**: [`rotate`] (the `wxgate rotate-signing-key` command) stores a new active key
//!   and retires the previous one. Running instances reload the keys every
//!   [`REFRESH_INTERVAL`] ([`KeyRing::spawn_refresh`]), so within seconds they sign with the new
//!   key, and they keep publishing the retired one for `retention` (the longest token lifetime
//!   and a margin) so that tokens it signed still verify until they expire.
//!
//! A key's id (`kid`) is the base64url form of the first 12 bytes of the SHA-256 of its public
//! key (DER `SubjectPublicKeyInfo`). Private keys appear in no log line and no `Debug` output.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use rsa::RsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::jwt;
use crate::clock;
use crate::store::{Store, StoreError, StoredSigningKey};

/// How often [`KeyRing::spawn_refresh`] reloads the keys from the store: a rotation reaches
/// every running instance in less than 10 seconds.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(5);

/// The size of the keys made here, in bits.
pub const KEY_BITS: usize = 2048;

/// How long [`rotate`] keeps retired keys in the store: a day (the longest token lifetime)
/// and the 5 minutes of clock skew a relying party may allow. Older retired keys are dropped.
pub const KEEP_RETIRED: Duration = Duration::from_secs(24 * 3600 + 300);

/// How many bytes of the public key's SHA-256 make its kid.
const KID_BYTES: usize = 12;

/// Why the signing keys could not be loaded, made or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The store failed.
    #[error("signing keys: {0}")]
    Store(#[from] StoreError),
    /// A stored key cannot be used (not a PKCS#8 RSA key, or not the key its kid names).
    #[error("stored signing key {kid:?} cannot be used: {reason}")]
    BadKey {
        /// The key's id.
        kid: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The store holds no active key, even after one was made.
    #[error("the store holds no active signing key")]
    NoActiveKey,
    /// A new key could not be made.
    #[error("cannot make a signing key: {0}")]
    Generate(String),
    /// Signing failed.
    #[error("cannot sign: {0}")]
    Signing(String),
}

/// The keys this instance signs with and publishes, loaded from the store. Cheap to clone:
/// clones share the keys, and see every refresh.
#[derive(Clone)]
pub struct KeyRing {
    inner: Arc<Inner>,
}

struct Inner {
    /// How long a retired key stays in the JWK set.
    retention: Duration,
    /// The keys loaded last; replaced whole by a refresh.
    keys: RwLock<Arc<Keys>>,
}

/// One load of the keys.
struct Keys {
    /// The active key: it signs.
    current: Arc<Key>,
    /// The current key, then every key retired less than `retention` ago (most recent first).
    published: Vec<Arc<Key>>,
    /// The JWK set of `published`.
    jwks: Value,
}

/// A parsed key. `Debug` shows the kid only.
struct Key {
    kid: String,
    private: RsaPrivateKey,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// Loads the keys from the store, creating the first key (RSA 2048) when there is none
    /// (safe when several instances start at once: exactly one active key results).
    /// `retention` is how long a retired key stays in [`KeyRing::jwks`]: the longest token
    /// lifetime and a margin for clock skew.
    pub async fn load(store: &Store, retention: Duration) -> Result<KeyRing, KeyError> {
        KeyRing::load_at(store, retention, clock::unix_secs_i64()).await
    }

    /// [`KeyRing::load`] at the time `now` (Unix seconds).
    async fn load_at(store: &Store, retention: Duration, now: i64) -> Result<KeyRing, KeyError> {
        let keys = read(store, retention, None, now).await?;
        tracing::info!(kid = %keys.current.kid, published = keys.published.len(), "signing keys loaded");
        Ok(KeyRing {
            inner: Arc::new(Inner {
                retention,
                keys: RwLock::new(Arc::new(keys)),
            }),
        })
    }

    /// Signs `claims` (a JSON object) as an RS256 JWT with the current key; header
    /// `{"alg":"RS256","typ":"JWT","kid":...}`.
    pub fn sign(&self, claims: &Value) -> Result<String, KeyError> {
        let keys = self.keys();
        jwt::sign(&keys.current.private, &keys.current.kid, claims)
            .map_err(|err| KeyError::Signing(err.to_string()))
    }

    /// The JWK set: `{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid","n","e"}...]}`,
    /// current key first, then keys retired less than `retention` ago.
    pub fn jwks(&self) -> Value {
        self.keys().jwks.clone()
    }

    /// The kid of the current key.
    pub fn current_kid(&self) -> String {
        self.keys().current.kid.clone()
    }

    /// Reloads from the store now. On error the keys loaded before stay in use.
    pub async fn refresh(&self, store: &Store) -> Result<(), KeyError> {
        self.refresh_at(store, clock::unix_secs_i64()).await
    }

    /// [`KeyRing::refresh`] at the time `now` (Unix seconds).
    async fn refresh_at(&self, store: &Store, now: i64) -> Result<(), KeyError> {
        let previous = self.keys();
        let keys = read(store, self.inner.retention, Some(&previous), now).await?;
        if keys.current.kid != previous.current.kid {
            tracing::info!(
                kid = %keys.current.kid,
                previous = %previous.current.kid,
                "signing key switched"
            );
        }
        *self
            .inner
            .keys
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
        Ok(())
    }

    /// Reloads every [`REFRESH_INTERVAL`] until the task is aborted. A failed reload is logged
    /// (once when reloads start failing, once when they work again) and the keys loaded before
    /// stay in use.
    pub fn spawn_refresh(&self, store: Store) -> tokio::task::JoinHandle<()> {
        let ring = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(REFRESH_INTERVAL);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The first tick is immediate; the keys were just loaded.
            interval.tick().await;
            let mut failing = false;
            loop {
                interval.tick().await;
                match ring.refresh(&store).await {
                    Ok(()) if failing => {
                        failing = false;
                        tracing::info!("signing keys reloaded again");
                    }
                    Ok(()) => {}
                    Err(error) if !failing => {
                        failing = true;
                        tracing::warn!(%error, "cannot reload the signing keys; signing with those loaded before");
                    }
                    Err(error) => {
                        tracing::debug!(%error, "cannot reload the signing keys");
                    }
                }
            }
        })
    }

    /// The keys loaded last.
    fn keys(&self) -> Arc<Keys> {
        self.inner
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = self.keys();
        let published: Vec<&str> = keys.published.iter().map(|key| key.kid.as_str()).collect();
        f.debug_struct("KeyRing")
            .field("current", &keys.current.kid)
            .field("published", &published)
            .field("retention", &self.inner.retention)
            .finish()
    }
}

/// Generates a new key and makes it current; the previous current key is retired now. Returns
/// its kid. Also drops the keys retired more than [`KEEP_RETIRED`] ago.
pub async fn rotate(store: &Store) -> Result<String, KeyError> {
    rotate_at(store, clock::unix_secs_i64()).await
}

/// [`rotate`] at the time `now` (Unix seconds).
async fn rotate_at(store: &Store, now: i64) -> Result<String, KeyError> {
    let (kid, pem) = generate().await?;
    store.rotate_signing_key(&kid, &pem, now).await?;
    let cutoff = now.saturating_sub(secs(KEEP_RETIRED));
    // The rotation is done: failing to tidy up is not worth reporting it as failed.
    if let Err(error) = store.drop_signing_keys_retired_before(cutoff).await {
        tracing::warn!(%error, "cannot drop old retired signing keys; will try at the next rotation");
    }
    Ok(kid)
}

/// The keys in the store at `now`, making the first key if there is no active one. Keys
/// already parsed in `previous` are reused.
async fn read(
    store: &Store,
    retention: Duration,
    previous: Option<&Keys>,
    now: i64,
) -> Result<Keys, KeyError> {
    let mut stored = store.signing_keys().await?;
    if !stored.iter().any(|key| key.retired_at.is_none()) {
        let (kid, pem) = generate().await?;
        // Another instance may store its key first; then this one is discarded.
        store.create_first_signing_key(&kid, &pem, now).await?;
        stored = store.signing_keys().await?;
    }
    build(&stored, retention, previous, now)
}

/// The keys to use from what the store holds: the active key, and those retired less than
/// `retention` before `now`. A retired key that cannot be used is left out (and logged); an
/// active one that cannot be used is an error.
fn build(
    stored: &[StoredSigningKey],
    retention: Duration,
    previous: Option<&Keys>,
    now: i64,
) -> Result<Keys, KeyError> {
    let retention = secs(retention);
    let mut current = None;
    let mut retired = Vec::new();
    for row in stored {
        let key = || -> Result<Arc<Key>, KeyError> {
            let known =
                previous.and_then(|keys| keys.published.iter().find(|key| key.kid == row.kid));
            match known {
                Some(key) => Ok(key.clone()),
                None => parse(row).map(Arc::new),
            }
        };
        match row.retired_at {
            None if current.is_none() => current = Some(key()?),
            None => {}
            Some(at) if now.saturating_sub(at) < retention => match key() {
                Ok(key) => retired.push((at, key)),
                Err(error) => {
                    tracing::warn!(%error, "a retired signing key is left out of the JWK set")
                }
            },
            Some(_) => {}
        }
    }
    let current = current.ok_or(KeyError::NoActiveKey)?;
    retired.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let mut published = vec![current.clone()];
    published.extend(retired.into_iter().map(|(_, key)| key));
    let jwks = json!({
        "keys": published
            .iter()
            .map(|key| jwt::jwk(&key.kid, &key.private.to_public_key()))
            .collect::<Vec<_>>(),
    });
    Ok(Keys {
        current,
        published,
        jwks,
    })
}

/// The key of a stored row, checked against its kid.
fn parse(row: &StoredSigningKey) -> Result<Key, KeyError> {
    let bad = |reason: String| KeyError::BadKey {
        kid: row.kid.clone(),
        reason,
    };
    // The parser's errors name what is wrong, never the key's bytes.
    let private = RsaPrivateKey::from_pkcs8_pem(&row.private_key_pem)
        .map_err(|err| bad(format!("not a PKCS#8 PEM RSA private key: {err}")))?;
    let kid = kid_of(&private)?;
    if kid != row.kid {
        return Err(bad(format!("the key's own kid is {kid:?}")));
    }
    Ok(Key { kid, private })
}

/// A new RSA key, made on a blocking thread (it takes a while): its kid and its PKCS#8 PEM.
async fn generate() -> Result<(String, String), KeyError> {
    tokio::task::spawn_blocking(|| {
        let key = RsaPrivateKey::new(&mut rand_core::OsRng, KEY_BITS)
            .map_err(|err| KeyError::Generate(err.to_string()))?;
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|err| KeyError::Generate(format!("cannot encode the key: {err}")))?;
        Ok((kid_of(&key)?, pem.to_string()))
    })
    .await
    .map_err(|err| KeyError::Generate(format!("the key generation task failed: {err}")))?
}

/// The kid of `key`: base64url of the first [`KID_BYTES`] bytes of the SHA-256 of its public
/// key's DER `SubjectPublicKeyInfo`.
fn kid_of(key: &RsaPrivateKey) -> Result<String, KeyError> {
    let der = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|err| KeyError::Generate(format!("cannot encode the public key: {err}")))?;
    let digest = Sha256::digest(der.as_bytes());
    Ok(jwt::base64url(&digest[..KID_BYTES]))
}

/// `duration` in whole seconds, as the store counts them.
fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[path = "keys_test.rs"]
mod tests;
