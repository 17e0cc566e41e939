//! `wxgate rotate-signing-key`: makes a new signing key for the OpenID Connect provider in the
//! store of `[storage] database` and retires the current one. Gateways running on that database
//! sign with the new key within 10 seconds and keep publishing the old one until every token it
//! signed has expired.

use std::process::ExitCode;

use wxgate::Config;
use wxgate::internals::identity::keys;
use wxgate::internals::store::Store;

/// Rotates the key and prints the new kid: exit 0, or 1 with the reason on stderr.
pub fn run(config: &Config) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("wxgate rotate-signing-key: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(rotate(&config.storage.database)) {
        Ok(kid) => {
            println!("new signing key {kid}; running gateways switch to it within 10 seconds");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("wxgate rotate-signing-key: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the store at `database`, rotates, closes the store; the new kid, or what failed. No
/// message contains the database password.
async fn rotate(database: &str) -> Result<String, String> {
    let store = Store::open(database)
        .await
        .map_err(|e| format!("cannot open the store: {e}"))?;
    let rotated = keys::rotate(&store).await;
    store.close().await;
    rotated.map_err(|e| format!("cannot rotate the signing key: {e}"))
}
