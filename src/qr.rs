//! QR-code scan and subscribe counts, taken from callback events without touching the database
//! on the request path: each first sight of a `subscribe` with EventKey `qrscene_X` or a `SCAN`
//! with EventKey `X` bumps an in-memory counter, and a background task adds the counters to the
//! store every few seconds (and once more at shutdown). Retries are not counted twice: the
//! dispatcher only observes first sights.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use wxgate_handlers::{Event, Message};

use crate::account::Account;
use crate::store::{QrCountDelta, Store, StoreError};

/// How often counts are flushed to the store.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(5);

/// Counts not yet in the store, by account and scene.
#[derive(Debug, Clone, Default)]
pub struct QrCounter {
    pending: Arc<Mutex<HashMap<SceneKey, Counts>>>,
}

/// An account name and a scene.
type SceneKey = (Arc<str>, String);

#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    scans: i64,
    subscribes: i64,
}

impl QrCounter {
    /// Counts `message` when it is a scan or a subscribe through a QR code.
    pub fn observe(&self, account: &Account, message: &Message) {
        let (scene, scan) = match message.event() {
            Some(Event::Scan(scan)) if !scan.event_key.is_empty() => {
                (scan.event_key.as_str(), true)
            }
            Some(Event::Subscribe(subscribe)) => match subscribe.scene() {
                Some(scene) => (scene, false),
                None => return,
            },
            _ => return,
        };
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let counts = pending
            .entry((account.name.clone(), scene.to_owned()))
            .or_default();
        if scan {
            counts.scans += 1;
        } else {
            counts.subscribes += 1;
        }
    }

    /// Adds every pending count to the store. Counts that could not be written stay pending and
    /// go with the next flush.
    pub async fn flush(&self, store: &Store) -> Result<(), StoreError> {
        let taken =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner));
        if taken.is_empty() {
            return Ok(());
        }
        let deltas: Vec<QrCountDelta> = taken
            .iter()
            .map(|((account, scene), counts)| QrCountDelta {
                account: account.to_string(),
                scene: scene.clone(),
                scans: counts.scans,
                subscribes: counts.subscribes,
            })
            .collect();
        if let Err(error) = store.add_qr_counts(&deltas).await {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            for (key, counts) in taken {
                let entry = pending.entry(key).or_default();
                entry.scans += counts.scans;
                entry.subscribes += counts.subscribes;
            }
            return Err(error);
        }
        Ok(())
    }

    /// Flushes every [`FLUSH_INTERVAL`] until `stop` is notified, then once more and returns.
    /// A flush under way when `stop` comes is finished first (never cut off mid-write, which
    /// would lose the counts it had taken).
    pub async fn flush_until(self, store: Store, stop: Arc<tokio::sync::Notify>) {
        let mut ticks = tokio::time::interval(FLUSH_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    if let Err(error) = self.flush(&store).await {
                        tracing::warn!(%error, "QR counts not flushed; retrying at the next tick");
                    }
                }
                () = stop.notified() => break,
            }
        }
        if let Err(error) = self.flush(&store).await {
            tracing::error!(%error, "QR counts could not be flushed at shutdown");
        }
    }
}
