//! `wxgate hash-password`: makes the `password_hash` of an `[[admin.users]]` entry — argon2id
//! with the `argon2` crate's default parameters, in PHC form. On a terminal it asks twice
//! without echo and refuses a mismatch; otherwise it reads one line from stdin (for scripts:
//! `echo "$PASSWORD" | wxgate hash-password`). It prints only the hash.

use std::io::{BufRead, IsTerminal as _};
use std::process::ExitCode;

use argon2::{Argon2, PasswordHasher as _};

/// Reads the password, prints its hash: exit 0, or 1 with the reason on stderr.
pub fn run() -> ExitCode {
    let password = if std::io::stdin().is_terminal() {
        prompt_twice()
    } else {
        read_line(std::io::stdin().lock())
    };
    let password = match password {
        Ok(password) => password,
        Err(message) => {
            eprintln!("wxgate hash-password: {message}");
            return ExitCode::FAILURE;
        }
    };
    match hash(&password) {
        Ok(phc) => {
            println!("{phc}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("wxgate hash-password: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The argon2id hash of `password` with a fresh random salt, as a PHC string.
pub fn hash(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Asks on the terminal twice, without echo.
fn prompt_twice() -> Result<String, String> {
    let first = rpassword::prompt_password("Password: ")
        .map_err(|e| format!("cannot read the password: {e}"))?;
    check(&first)?;
    let second = rpassword::prompt_password("Password again: ")
        .map_err(|e| format!("cannot read the password: {e}"))?;
    if first != second {
        return Err("the two passwords differ; nothing was hashed".to_owned());
    }
    Ok(first)
}

/// The first line of `input`, without its line ending.
pub fn read_line(mut input: impl BufRead) -> Result<String, String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
    let password = line
        .strip_suffix('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .unwrap_or(&line)
        .to_owned();
    check(&password)?;
    Ok(password)
}

/// Refuses an empty password.
fn check(password: &str) -> Result<(), String> {
    if password.is_empty() {
        Err("the password is empty".to_owned())
    } else {
        Ok(())
    }
}

#[cfg(test)]
#[path = "hash_password_test.rs"]
mod tests;
