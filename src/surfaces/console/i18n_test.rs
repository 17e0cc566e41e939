use super::*;

/// Every key the templates and scripts use, with where it is used.
fn used_keys() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let patterns = [
        regex::Regex::new(r#"\bt\("([^"]+)"\)"#).unwrap(),
        regex::Regex::new(r#"\bmsg\("([^"]+)"\)"#).unwrap(),
        regex::Regex::new(r#"data-i18n="([^"]+)""#).unwrap(),
    ];
    let mut used = Vec::new();
    for (dir, ext) in [("templates/console", "html"), ("assets/console", "js")] {
        let entries = std::fs::read_dir(root.join(dir)).unwrap();
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some(ext) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for pattern in &patterns {
                for caps in pattern.captures_iter(&text) {
                    used.push((caps[1].to_owned(), path.display().to_string()));
                }
            }
        }
    }
    used
}

#[test]
fn every_key_used_is_in_the_catalogue_in_both_languages() {
    let used = used_keys();
    assert!(used.len() > 30, "the scan found too few keys: {used:?}");
    let catalogue: toml::Table = toml::from_str(CATALOGUE).unwrap();
    for (key, file) in used {
        let entry = catalogue
            .get(&key)
            .and_then(|v| v.as_table())
            .unwrap_or_else(|| panic!("`{key}` (used in {file}) is not in messages.toml"));
        for lang in ["zh", "en"] {
            let text = entry.get(lang).and_then(|v| v.as_str()).unwrap_or_default();
            assert!(!text.is_empty(), "`{key}` has no {lang} text");
        }
    }
}

#[test]
fn every_catalogue_entry_has_exactly_zh_and_en() {
    let catalogue: toml::Table = toml::from_str(CATALOGUE).unwrap();
    assert!(!catalogue.is_empty());
    for (key, entry) in &catalogue {
        let entry = entry
            .as_table()
            .unwrap_or_else(|| panic!("`{key}` is not a table"));
        let mut langs: Vec<&str> = entry.keys().map(String::as_str).collect();
        langs.sort_unstable();
        assert_eq!(langs, ["en", "zh"], "`{key}`");
        assert!(has(key));
    }
}

#[test]
fn t_translates_and_renders_a_missing_key_as_itself() {
    assert_eq!(t(Lang::Zh, "nav.overview"), "概览");
    assert_eq!(t(Lang::En, "nav.overview"), "Overview");
    assert_eq!(T { lang: Lang::En }.t("signin.submit"), "Sign in");
    assert_eq!(t(Lang::En, "no.such.key"), "no.such.key");
}

#[test]
fn the_scripts_catalogue_is_json_of_one_language() {
    let zh: serde_json::Value = serde_json::from_str(&json(Lang::Zh)).unwrap();
    let en: serde_json::Value = serde_json::from_str(&json(Lang::En)).unwrap();
    assert_eq!(zh["nav.audit"], "审计日志");
    assert_eq!(en["nav.audit"], "Audit log");
}

#[test]
fn chinese_unless_the_browser_prefers_english() {
    for (header, lang) in [
        ("", Lang::Zh),
        ("zh-CN,zh;q=0.9,en;q=0.8", Lang::Zh),
        ("en-US,en;q=0.9", Lang::En),
        ("en-US,en;q=0.9,zh-CN;q=0.8", Lang::En),
        ("zh-CN;q=0.5,en;q=0.7", Lang::En),
        ("en;q=0.5,zh;q=0.5", Lang::Zh),
        ("fr-FR,de", Lang::Zh),
        ("EN-gb", Lang::En),
        ("en;q=bogus,zh-TW;q=0.1", Lang::Zh),
    ] {
        assert_eq!(from_accept_language(header), lang, "{header}");
    }
}

#[test]
fn the_cookie_wins_over_the_header() {
    let req = actix_web::test::TestRequest::default()
        .insert_header(("accept-language", "en-US"))
        .insert_header(("cookie", "other=1; wxgate_lang=zh"))
        .to_http_request();
    assert_eq!(Lang::of(&req), Lang::Zh);
    let req = actix_web::test::TestRequest::default()
        .insert_header(("accept-language", "zh-CN"))
        .insert_header(("cookie", "wxgate_lang=en"))
        .to_http_request();
    assert_eq!(Lang::of(&req), Lang::En);
    let req = actix_web::test::TestRequest::default()
        .insert_header(("accept-language", "en"))
        .insert_header(("cookie", "wxgate_lang=fr"))
        .to_http_request();
    assert_eq!(Lang::of(&req), Lang::En);
    assert_eq!(Lang::parse("en").map(Lang::html), Some("en"));
    assert_eq!(Lang::Zh.html(), "zh-CN");
}
