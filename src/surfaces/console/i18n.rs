//! The console's languages: Simplified Chinese first, English when the admin picks it (the
//! `wxgate_lang` cookie) or the browser prefers it (`Accept-Language`).
//!
//! Every string lives once, in `assets/console/messages.toml` (`["key"] zh = "..." en = "..."`),
//! read once into a map. Templates call [`T::t`]; scripts read the same catalogue as JSON
//! (`/admin/assets/messages.zh.json`, `messages.en.json`) through `msg(key)` in `console.js`.
//! A key missing from the catalogue renders as itself (and a unit test fails).

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::HttpRequest;
use actix_web::http::header;

/// The catalogue's text, embedded in the binary.
pub const CATALOGUE: &str = include_str!("../../../assets/console/messages.toml");

/// The language cookie's name.
pub const LANG_COOKIE: &str = "wxgate_lang";

/// A language of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The code in the cookie, the form and the catalogue (`zh`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute of `<html>` (`zh-CN`, `en`).
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language of a code (`zh`, `en`), if it is one.
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The request's language: the `wxgate_lang` cookie when it names one, else English when
    /// `Accept-Language` prefers English over Chinese, else Chinese.
    pub fn of(req: &HttpRequest) -> Lang {
        if let Some(lang) =
            super::cookies::cookie(req, LANG_COOKIE).and_then(|value| Lang::parse(&value))
        {
            return lang;
        }
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .map_or(Lang::Zh, from_accept_language)
    }
}

/// English when the header gives English a higher weight than Chinese (`en-US,en;q=0.9`),
/// Chinese otherwise (ties too, and when it names neither).
pub fn from_accept_language(header: &str) -> Lang {
    let mut zh: f32 = 0.0;
    let mut en: f32 = 0.0;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let mut q: f32 = 1.0;
        for param in parts {
            if let Some(value) = param.trim().strip_prefix("q=") {
                q = value.trim().parse().unwrap_or(0.0);
            }
        }
        let primary = tag.split('-').next().unwrap_or_default();
        match primary {
            "zh" => zh = zh.max(q),
            "en" => en = en.max(q),
            _ => {}
        }
    }
    if en > zh { Lang::En } else { Lang::Zh }
}

/// One entry of the catalogue.
#[derive(Debug, serde::Deserialize)]
struct Entry {
    zh: String,
    en: String,
}

/// The catalogue: key -> (zh, en). A catalogue that does not parse is empty (every key then
/// renders as itself, and the unit tests fail).
static MESSAGES: LazyLock<HashMap<String, Entry>> = LazyLock::new(|| {
    toml::from_str(CATALOGUE).unwrap_or_else(|error| {
        tracing::error!(%error, "the console's message catalogue does not parse");
        HashMap::new()
    })
});

/// The catalogue's text for `key` in `lang`; the key itself when it is missing.
pub fn t(lang: Lang, key: &str) -> &str {
    let messages: &'static HashMap<String, Entry> = &MESSAGES;
    match messages.get(key) {
        Some(entry) => match lang {
            Lang::Zh => &entry.zh,
            Lang::En => &entry.en,
        },
        None => key,
    }
}

/// Whether `key` is in the catalogue.
pub fn has(key: &str) -> bool {
    MESSAGES.contains_key(key)
}

/// The catalogue in `lang` as a JSON object (`{"key": "text", ...}`), served to the scripts.
pub fn json(lang: Lang) -> String {
    let map: std::collections::BTreeMap<&str, &str> = MESSAGES
        .iter()
        .map(|(key, entry)| {
            let text = match lang {
                Lang::Zh => entry.zh.as_str(),
                Lang::En => entry.en.as_str(),
            };
            (key.as_str(), text)
        })
        .collect();
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".to_owned())
}

/// What templates translate with: `{{ page.t("nav.overview") }}` (through [`super::Page`]) or
/// `{{ t.t("nav.overview") }}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct T {
    /// The page's language.
    pub lang: Lang,
}

impl T {
    /// The text of `key` in this language; the key itself when it is missing.
    pub fn t<'k>(&self, key: &'k str) -> &'k str {
        t(self.lang, key)
    }
}

#[cfg(test)]
#[path = "i18n_test.rs"]
mod tests;
