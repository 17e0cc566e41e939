//! Whole-file tests of the keys that reach other services: the WeChat API, the admin API,
//! storage, forwarding and the HTTP client's limits.

use wxgate_handlers::RuleAction;

use super::*;
use super::{hint_of, keys_and_messages, parse_err, parse_ok};

/// `sections`, then the one account every file needs.
fn with_account(sections: &str) -> String {
    format!("{sections}[[accounts]]\nname = \"a\"\nappid = \"wx1\"\ntoken = \"abc\"\n")
}

#[test]
fn api_admin_storage_and_forward_keys() {
    let config = parse_ok(
        "[server]\nupstream_timeout_ms = 1500\n\
         [admin]\ntoken = \"s3cr3t-admin\"\n\
         [storage]\ndatabase = \"sqlite:///var/lib/wxgate/wxgate.db\"\n\
         [[accounts]]\nname = \"a\"\nappid = \"wx1\"\ntoken = \"abc\"\n\
         secret = \"app-secret\"\napi_base = \"http://127.0.0.1:9/\"\ntoken_source = \"client_credential\"\n\
         [[accounts.rules]]\nevent = \"subscribe\"\nforward = \"http://127.0.0.1:9000/wechat\"\n\
         [[accounts.rules]]\nforward = \"https://bot.example.com/hook\"\n",
    );
    assert_eq!(config.server.upstream_timeout_ms, 1500);
    assert_eq!(config.admin.token.as_deref(), Some("s3cr3t-admin"));
    assert_eq!(
        config.storage.database,
        "sqlite:///var/lib/wxgate/wxgate.db"
    );
    let account = &config.accounts[0];
    assert_eq!(account.secret.as_deref(), Some("app-secret"));
    assert_eq!(
        account.api_base, "http://127.0.0.1:9",
        "trailing slash dropped"
    );
    assert_eq!(account.token_source, TokenSource::ClientCredential);
    assert_eq!(
        account.rules[0].action,
        RuleAction::Forward("http://127.0.0.1:9000/wechat".into())
    );
    assert_eq!(account.rules[1].event, None);
    let shown = format!("{config:?}");
    assert!(
        !shown.contains("s3cr3t-admin") && !shown.contains("app-secret"),
        "{shown}"
    );

    // Defaults: admin disabled, SQLite next to the process, WeChat's API, stable tokens.
    let config = parse_ok(&with_account("[admin]\ntoken = \"\"\n"));
    assert_eq!(
        config.admin.token, None,
        "an empty token disables the admin API"
    );
    assert_eq!(config.storage.database, "sqlite://wxgate.db");
    assert_eq!(config.accounts[0].api_base, DEFAULT_API_BASE);
    assert_eq!(config.accounts[0].token_source, TokenSource::StableToken);
    assert_eq!(config.server.upstream_timeout_ms, 30_000);
}

#[test]
fn bad_api_admin_storage_and_forward_keys() {
    let errors = parse_err(
        "[server]\nupstream_timeout_ms = 0\n\
         [admin]\ntoken = \"two words\"\n\
         [storage]\ndatabase = \"mysql://db\"\n\
         [[accounts]]\nname = \"a\"\nappid = \"wx1\"\ntoken = \"abc\"\n\
         secret = \"has space\"\napi_base = \"ftp://x\"\ntoken_source = \"stable\"\n\
         [[accounts.rules]]\nforward = \"127.0.0.1:9000\"\n\
         [[accounts.rules]]\nforward = \"http://x/\"\nreply = { text = \"y\" }\n",
    );
    let keys: Vec<_> = keys_and_messages(&errors)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    for key in [
        "server.upstream_timeout_ms",
        "admin.token",
        "storage.database",
        "accounts[0].secret",
        "accounts[0].api_base",
        "accounts[0].token_source",
        "accounts[0].rules[0].forward",
        "accounts[0].rules[1]",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
    assert!(
        !errors.to_string().contains("has space"),
        "secrets are not echoed"
    );
}

#[test]
fn storage_takes_sqlite_and_postgres_urls() {
    for database in [
        "sqlite://wxgate.db",
        "sqlite::memory:",
        "postgres://wxgate:s3cr3t-db@db.internal:5432/wxgate",
        "postgresql://wxgate@10.0.0.5/wxgate?sslmode=require",
    ] {
        let config = parse_ok(&with_account(&format!(
            "[storage]\ndatabase = \"{database}\"\n"
        )));
        assert_eq!(config.storage.database, database);
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cr3t-db"), "{shown}");
    }
}

#[test]
fn bad_storage_urls_name_both_backends_and_never_the_password() {
    for (database, message) in [
        (
            "mysql://root:s3cr3t-db@db/wxgate",
            "unsupported database `mysql`",
        ),
        ("wxgate.db", "unsupported database `wxgate.db`"),
        (
            "postgres:wxgate",
            "a PostgreSQL database is a URL starting `postgres://`",
        ),
        (
            "postgresql://",
            "a PostgreSQL database is a URL starting `postgresql://`",
        ),
    ] {
        let errors = parse_err(&with_account(&format!(
            "[storage]\ndatabase = \"{database}\"\n"
        )));
        assert_eq!(
            keys_and_messages(&errors),
            [("storage.database", message)],
            "{database}"
        );
        let hint = hint_of(&errors, "storage.database");
        assert!(
            hint.contains("sqlite://") && hint.contains("postgres://"),
            "{hint}"
        );
        assert!(!errors.to_string().contains("s3cr3t-db"), "{errors}");
    }
}

#[test]
fn client_timeouts_and_connection_limit_are_read() {
    // The least and the most each key takes: header, body, connections, backlog.
    for (header, body, connections, backlog) in
        [(100, 600_000, 1, 1), (300_000, 100, 1_000_000, 65_535)]
    {
        let config = parse_ok(&with_account(&format!(
            "[server]\nheader_timeout_ms = {header}\nbody_timeout_ms = {body}\n\
             max_connections = {connections}\nbacklog = {backlog}\n",
        )));
        assert_eq!(config.server.header_timeout_ms, header);
        assert_eq!(config.server.body_timeout_ms, body);
        assert_eq!(config.server.max_connections, connections);
        assert_eq!(config.server.backlog, backlog);
    }
}

#[test]
fn client_timeouts_and_connection_limit_are_checked() {
    let errors = parse_err(&with_account(
        "[server]\nheader_timeout_ms = 99\nbody_timeout_ms = 600001\nmax_connections = 0\n\
         backlog = 0\n",
    ));
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            (
                "server.header_timeout_ms",
                "must be between 100 and 300000, found 99"
            ),
            (
                "server.body_timeout_ms",
                "must be between 100 and 600000, found 600001"
            ),
            (
                "server.max_connections",
                "must be between 1 and 1000000, found 0"
            ),
            ("server.backlog", "must be between 1 and 65535, found 0"),
        ]
    );
    assert!(hint_of(&errors, "server.header_timeout_ms").contains("headers"));
    assert!(hint_of(&errors, "server.body_timeout_ms").contains("body"));
    assert!(hint_of(&errors, "server.max_connections").contains("ulimit -n"));
    assert!(hint_of(&errors, "server.backlog").contains("somaxconn"));

    let errors = parse_err(&with_account(
        "[server]\nheader_timeout_ms = \"5s\"\nbody_timeout_ms = -1\nmax_connections = 1000001\n\
         backlog = 65536\nheader_timeout = 5\n",
    ));
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            (
                "server.header_timeout_ms",
                "expected an integer, found a string"
            ),
            (
                "server.body_timeout_ms",
                "must be between 100 and 600000, found -1"
            ),
            (
                "server.max_connections",
                "must be between 1 and 1000000, found 1000001"
            ),
            ("server.backlog", "must be between 1 and 65535, found 65536"),
            ("server.header_timeout", "unknown key"),
        ]
    );
    assert_eq!(
        hint_of(&errors, "server.header_timeout"),
        "did you mean `header_timeout_ms`?"
    );
}
