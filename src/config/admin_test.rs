//! `[admin]` and `[[admin.users]]`: what an operator writes, what comes back.

use super::super::tests::{keys_and_messages, parse_err, parse_ok};

/// A hash in PHC form (argon2id, default parameters) of "correct horse".
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

fn config(admin: &str) -> String {
    format!(
        "[admin]\ntoken = \"tok\"\n{admin}\n\n[[accounts]]\nname = \"demo\"\nappid = \"wx1234567890abcdef\"\ntoken = \"callbacktoken\"\n"
    )
}

#[test]
fn users_and_session_lifetimes_are_read() {
    let c = parse_ok(&config(&format!(
        "session_idle_secs = 600\nsession_max_secs = 3600\n[[admin.users]]\nname = \"li\"\npassword_hash = \"{HASH}\"\n[[admin.users]]\nname = \"wang\"\npassword_hash = \"{HASH}\"\n"
    )));
    let names: Vec<&str> = c.admin.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["li", "wang"]);
    assert_eq!(c.admin.users[0].password_hash, HASH);
    assert_eq!(c.admin.session_idle_secs, 600);
    assert_eq!(c.admin.session_max_secs, 3600);
}

#[test]
fn defaults_are_two_and_twelve_hours_and_no_user() {
    let c = parse_ok(&config(""));
    assert!(c.admin.users.is_empty());
    assert_eq!(c.admin.session_idle_secs, 7200);
    assert_eq!(c.admin.session_max_secs, 43_200);
}

#[test]
fn every_problem_is_reported_at_once_without_the_hash() {
    let errors = parse_err(&config(
        "session_idle_secs = 5\nsession_max_secs = \"long\"\n\
         [[admin.users]]\nname = \"li\"\npassword_hash = \"s3cret-plain-password\"\n\
         [[admin.users]]\nname = \"li\"\npassword_hash = \"$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA\"\n\
         [[admin.users]]\nname = \"\"\n\
         [[admin.users]]\nname = \"two words\"\npassword_hash = \"x\"\nrole = \"root\"\n",
    ));
    let found = keys_and_messages(&errors);
    for (key, message) in [
        ("admin.session_idle_secs", "must be between 60"),
        ("admin.session_max_secs", "expected an integer"),
        (
            "admin.users[0].password_hash",
            "not a password hash in PHC form",
        ),
        ("admin.users[1].name", "already the name of admin.users[0]"),
        ("admin.users[1].password_hash", "not an argon2 hash"),
        ("admin.users[2].name", "is empty"),
        ("admin.users[2].password_hash", "missing required key"),
        ("admin.users[3].name", "whitespace"),
        ("admin.users[3].password_hash", "not a password hash"),
        ("admin.users[3].role", "unknown key"),
    ] {
        assert!(
            found.iter().any(|(k, m)| *k == key && m.contains(message)),
            "no `{message}` at {key} in {found:?}"
        );
    }
    let text = errors.to_string();
    assert!(!text.contains("s3cret-plain-password"), "{text}");
}

#[test]
fn debug_redacts_the_hashes() {
    let c = parse_ok(&config(&format!(
        "[[admin.users]]\nname = \"li\"\npassword_hash = \"{HASH}\"\n"
    )));
    let shown = format!("{:?}", c.admin);
    assert!(shown.contains("li"), "{shown}");
    assert!(!shown.contains("argon2id"), "{shown}");
    assert!(!shown.contains("tok\""), "{shown}");
}
