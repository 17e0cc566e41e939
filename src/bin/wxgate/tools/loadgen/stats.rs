//! Latency percentiles and counts, merged from every connection.

use std::collections::BTreeMap;
use std::time::Duration;

/// What one connection (or all, merged) saw inside the measured window.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Latency of every counted request, in nanoseconds.
    pub latencies: Vec<u64>,
    /// Counted responses by status, 200 included.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that failed without a response (connection errors, timeouts).
    pub errors: u64,
    /// The first error seen, as an example.
    pub first_error: Option<String>,
}

impl Tally {
    /// Records one response.
    pub fn response(&mut self, status: u16, latency: Duration) {
        self.latencies
            .push(u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX));
        *self.statuses.entry(status).or_default() += 1;
    }

    /// Records one failure.
    pub fn error(&mut self, error: impl std::fmt::Display) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(error.to_string());
        }
    }

    /// Adds another tally to this one.
    pub fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        for (status, count) in other.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    /// Counted responses, whatever their status.
    pub fn responses(&self) -> u64 {
        self.statuses.values().sum()
    }

    /// Responses with another status than `expected` (200 for pushes, 202 for sends).
    pub fn other_than(&self, expected: u16) -> u64 {
        self.statuses
            .iter()
            .filter(|&(&status, _)| status != expected)
            .map(|(_, count)| count)
            .sum()
    }
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// The slowest.
    pub max: f64,
}

impl Percentiles {
    /// Sorts `latencies` (nanoseconds) and reads the percentiles (nearest rank).
    pub fn of(latencies: &mut [u64]) -> Percentiles {
        if latencies.is_empty() {
            return Percentiles::default();
        }
        latencies.sort_unstable();
        let at = |p: f64| {
            let rank = (p / 100.0 * latencies.len() as f64).ceil() as usize;
            let index = rank.clamp(1, latencies.len()) - 1;
            latencies[index] as f64 / 1e6
        };
        Percentiles {
            p50: at(50.0),
            p90: at(90.0),
            p99: at(99.0),
            max: at(100.0),
        }
    }
}

#[cfg(test)]
#[path = "stats_test.rs"]
mod tests;
