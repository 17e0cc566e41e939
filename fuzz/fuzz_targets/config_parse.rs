//! Any text as config.toml.
//!
//! Oracles: nothing panics; a refused file lists at least one problem and its message renders;
//! an accepted config builds its accounts (so every rule and key the validator let through is
//! one the gateway can start with).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxgate::Config;
use wxgate::internals::metrics::Metrics;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(text, "fuzz.toml") {
        Ok(config) => {
            assert!(!config.accounts.is_empty());
            let metrics = Metrics::new(config.accounts.iter().map(|a| a.name.as_str()));
            let _ = wxgate_fuzz::accounts(&config, &[], &metrics);
            let _ = format!("{config:?}");
        }
        Err(errors) => {
            assert!(!errors.problems.is_empty());
            let _ = errors.to_string();
        }
    }
});
