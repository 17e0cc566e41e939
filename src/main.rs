//! The stock `wxgate` binary: serves the accounts and auto-reply rules of a config file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use wxgate::{Config, Error, Gateway};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::CheckConfig => match Config::load(&cli.config) {
            Ok(config) => {
                println!(
                    "{}: ok ({} account{})",
                    cli.config.display(),
                    config.accounts.len(),
                    if config.accounts.len() == 1 { "" } else { "s" }
                );
                ExitCode::SUCCESS
            }
            Err(errors) => {
                eprintln!("{errors}");
                ExitCode::from(2)
            }
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
    }
}
