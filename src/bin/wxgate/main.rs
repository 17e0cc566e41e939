//! The stock `wxgate` binary: serves the accounts and auto-reply rules of a config file, and
//! carries the tools to try and measure a gateway: `simulate` plays WeChat for one push,
//! `bench` loads a gateway with unique pushes, `bench-baseline` is the yardstick to compare with;
//! `rotate-signing-key` replaces the OpenID Connect provider's signing key; `hash-password`
//! makes a console admin's password hash.

mod tools;

/// mimalloc: the hot path allocates a few dozen small blocks per push and frees them on the
/// same thread, which glibc's malloc served markedly slower (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use wxgate::{Config, Error, Gateway};

use tools::baseline::BaselineArgs;
use tools::loadgen::BenchArgs;
use tools::simulate::SimulateArgs;

/// A callback gateway for WeChat official accounts and mini programs.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// The config file.
    #[arg(
        long,
        short,
        global = true,
        default_value = "config.toml",
        value_name = "PATH"
    )]
    config: PathBuf,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gateway (the default).
    Serve,
    /// Validate the config file: exit 0 when valid, else list every problem and exit 2.
    CheckConfig,
    /// Play WeChat against a running gateway: send one signed (and, for compatible and safe
    /// accounts, encrypted) push, verify and decrypt the reply, print it.
    ///
    /// Examples: `simulate --account demo text hello`, `simulate event subscribe --key
    /// qrscene_42`, `simulate event click --key MENU_NEWS`, `simulate handshake`.
    Simulate(SimulateArgs),
    /// Load a running gateway with unique pushes (or, with `--send`, send API requests) and
    /// report requests/s, latency percentiles and the answers that were not a success.
    Bench(BenchArgs),
    /// Serve a minimal actix-web handler with a fixed answer: the baseline `bench` compares to
    /// (with `--wechat`, an instant mock of WeChat's API for the send benchmark).
    BenchBaseline(BaselineArgs),
    /// Make a new signing key for the OpenID Connect provider in the `[storage] database` and
    /// retire the current one: running gateways sign with the new key within 10 seconds and
    /// keep publishing the old one until the tokens it signed have expired.
    RotateSigningKey,
    /// Print the argon2id hash (PHC form) of a console admin's password, for
    /// `[[admin.users]] password_hash`: asks twice without echo on a terminal, else reads one
    /// line from stdin.
    HashPassword,
}

fn load(path: &std::path::Path) -> Result<Config, ExitCode> {
    Config::load(path).map_err(|errors| {
        eprintln!("{errors}");
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::CheckConfig => match load(&cli.config) {
            Ok(config) => {
                println!(
                    "{}: ok ({} account{})",
                    cli.config.display(),
                    config.accounts.len(),
                    if config.accounts.len() == 1 { "" } else { "s" }
                );
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
        Command::Serve => match Gateway::load(&cli.config).and_then(Gateway::run) {
            Ok(()) => ExitCode::SUCCESS,
            Err(Error::Config(errors)) => {
                eprintln!("{errors}");
                eprintln!("wxgate: refusing to start with an invalid config");
                ExitCode::from(2)
            }
            Err(e) => {
                eprintln!("wxgate: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Simulate(args) => match load(&cli.config) {
            Ok(config) => tools::simulate::run(&config, &args),
            Err(code) => code,
        },
        Command::Bench(args) => match load(&cli.config) {
            Ok(config) => tools::loadgen::run(&config, &args),
            Err(code) => code,
        },
        Command::BenchBaseline(args) => tools::baseline::run(&args),
        Command::RotateSigningKey => match load(&cli.config) {
            Ok(config) => tools::rotate_key::run(&config),
            Err(code) => code,
        },
        Command::HashPassword => tools::hash_password::run(),
    }
}

#[cfg(test)]
#[path = "main_test.rs"]
mod tests;
