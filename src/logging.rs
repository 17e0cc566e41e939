//! Log set-up: human-readable lines on stderr, filtered by `RUST_LOG` (default `info`);
//! colours only when stderr is a terminal (not in files or the journal).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the default subscriber unless the program already installed one.
pub fn try_init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
