//! The console's admins (`[[admin.users]]`): a unique name each and an argon2 password hash in
//! PHC form, checked without ever quoting the hash.

use std::collections::HashMap;

use super::AdminUser;
use super::walk::{Bad, Problems, Section, quote};

/// Longest `session_idle_secs` and `session_max_secs`: 30 days.
pub(super) const MAX_SESSION_SECS: u64 = 2_592_000;

/// Longest admin name.
const MAX_NAME_CHARS: usize = 64;

/// Every `[[admin.users]]`, each with its problems; a user with a problem is left out.
pub(super) fn users(sections: Vec<Section<'_>>, p: &mut Problems) -> Vec<AdminUser> {
    let mut names: HashMap<String, String> = HashMap::new();
    let mut users = Vec::with_capacity(sections.len());
    for mut u in sections {
        let name = u.required_string_with(
            "name",
            p,
            "add name = \"...\": the name this admin types to sign in",
            check_user_name,
        );
        if let Some(name) = &name {
            match names.get(name) {
                Some(first) => p.add(
                    u.key("name"),
                    format!("{} is already the name of {first}", quote(name)),
                    "each admin needs a name of their own: the audit log tells them apart by it",
                ),
                None => {
                    names.insert(name.clone(), u.path().to_owned());
                }
            }
        }
        let password_hash = u.required_string_with(
            "password_hash",
            p,
            "add password_hash = \"$argon2id$...\" with the output of `wxgate hash-password`",
            check_password_hash,
        );
        u.finish(p);
        if let (Some(name), Some(password_hash)) = (name, password_hash) {
            users.push(AdminUser {
                name,
                password_hash,
            });
        }
    }
    users
}

/// `admin.users[].name`: one word of printable characters, at most 64.
pub(super) fn check_user_name(value: &str) -> Result<String, Bad> {
    const HINT: &str = "a short name without spaces, e.g. \"li\" or \"wang.fang\"";
    if value.is_empty() {
        return Err(Bad::new("is empty", HINT));
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(Bad::new(
            format!("is longer than {MAX_NAME_CHARS} characters"),
            HINT,
        ));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Bad::new("contains whitespace or control characters", HINT));
    }
    Ok(value.to_owned())
}

/// `admin.users[].password_hash`: an argon2 hash as a PHC string. Secret: messages never show
/// the value.
pub(super) fn check_password_hash(value: &str) -> Result<String, Bad> {
    const HINT: &str = "paste the whole line `wxgate hash-password` prints, starting `$argon2id$`";
    let parsed = argon2::PasswordHash::new(value)
        .map_err(|_| Bad::new("is not a password hash in PHC form", HINT))?;
    if argon2::Algorithm::try_from(parsed.algorithm.as_str()).is_err() {
        return Err(Bad::new(
            "is not an argon2 hash (argon2id, argon2i or argon2d)",
            HINT,
        ));
    }
    if parsed.hash.is_none() || parsed.salt.is_none() {
        return Err(Bad::new("has no salt or no hash part", HINT));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
#[path = "admin_test.rs"]
mod tests;
