use actix_web::test::TestRequest;

use super::*;

#[test]
fn an_anonymous_page_has_no_admin_and_comes_back_to_its_path() {
    let req = TestRequest::get()
        .uri("/admin/signin?next=%2Fadmin%2F")
        .to_http_request();
    let page = Page::anonymous(&req, Lang::En);
    assert!(!page.signed_in());
    assert_eq!(page.t("nav.audit"), "Audit log");
    assert_eq!(page.path, "/admin/signin?next=%2Fadmin%2F");
    assert_eq!(page.lang(), Lang::En);

    let req = TestRequest::get().uri("//evil.example").to_http_request();
    assert_eq!(Page::anonymous(&req, Lang::Zh).path, "/admin/");
}

#[test]
fn the_policy_allows_nothing_inline() {
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
    assert!(CONTENT_SECURITY_POLICY.contains("default-src 'none'"));
    assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
}

#[test]
fn templates_have_no_inline_script_style_or_handler() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/console");
    let handler = regex::Regex::new(r#"\son[a-z]+\s*="#).unwrap();
    let inline_script = regex::Regex::new(r"<script(?:\s[^>]*)?>\s*[^<\s]").unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.display();
        assert!(!text.contains("style="), "{name} has a style attribute");
        assert!(!text.contains("<style"), "{name} has a style element");
        assert!(!handler.is_match(&text), "{name} has an on* handler");
        assert!(
            !inline_script.is_match(&text),
            "{name} has an inline script"
        );
        for script in text.match_indices("<script") {
            let tag = &text[script.0..];
            let end = tag.find('>').unwrap();
            assert!(
                tag[..end].contains("src=\"/admin/assets/"),
                "{name}: {}",
                &tag[..end]
            );
        }
    }
}
