use crate::common::*;
use wxgate::internals::crypto;

#[actix_web::test]
async fn safe_push_gets_an_encrypted_signed_reply() {
    let gw = start().await;
    let (query, body) = encrypted_push(&text_xml("o_s", "hello", 9001), APPID);
    let (status, reply) = gw
        .post_raw(&gw.url(&format!("/wx/safe?{query}")), body)
        .await;
    assert_eq!(status, 200, "{reply}");
    assert!(reply.starts_with("<xml><Encrypt><![CDATA["), "{reply}");
    let inner = open_reply(&reply);
    assert_eq!(xml_field(&inner, "Content").as_deref(), Some("world"));
    assert_eq!(xml_field(&inner, "ToUserName").as_deref(), Some("o_s"));
}

#[actix_web::test]
async fn safe_refusals() {
    let gw = start().await;
    let plaintext = text_xml("o_t", "hello", 9101);

    // Another account's appid inside the ciphertext.
    let (query, body) = encrypted_push(&plaintext, "wxffffffffffffffff");
    assert_eq!(
        gw.post_raw(&gw.url(&format!("/wx/safe?{query}")), body)
            .await
            .0,
        403
    );

    // msg_signature over a different Encrypt.
    let (_, body) = encrypted_push(&plaintext, APPID);
    let query = encrypted_query("something else", now(), "1");
    assert_eq!(
        gw.post_raw(&gw.url(&format!("/wx/safe?{query}")), body)
            .await
            .0,
        403
    );

    // Validly signed garbage: not base64, bad length, bad padding.
    for encrypt in ["not*base64", "AAAA", &crypto_garbage()] {
        let body = format!(
            "<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        );
        let query = encrypted_query(encrypt, now(), "2");
        let (status, text) = gw
            .post_raw(&gw.url(&format!("/wx/safe?{query}")), body)
            .await;
        assert_eq!(status, 400, "{encrypt}: {text}");
    }

    // Encrypted envelope without Encrypt, and without msg_signature.
    let query = encrypted_query("", now(), "3");
    assert_eq!(
        gw.post_raw(
            &gw.url(&format!("/wx/safe?{query}")),
            "<xml><A>1</A></xml>".into()
        )
        .await
        .0,
        400
    );
    let (query, body) = encrypted_push(&plaintext, APPID);
    let query: String = query
        .split('&')
        .filter(|p| !p.starts_with("msg_signature="))
        .collect::<Vec<_>>()
        .join("&");
    assert_eq!(
        gw.post_raw(&gw.url(&format!("/wx/safe?{query}")), body)
            .await
            .0,
        400
    );

    // An encrypted push to a plain account.
    let (query, body) = encrypted_push(&plaintext, APPID);
    assert_eq!(
        gw.post_raw(&gw.url(&format!("/wx/demo?{query}")), body)
            .await
            .0,
        403
    );

    let metrics = gw.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            r#"wxgate_rejected_total{account="safe",reason="appid"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(
            &metrics,
            r#"wxgate_rejected_total{account="safe",reason="signature"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(
            &metrics,
            r#"wxgate_rejected_total{account="safe",reason="decrypt"}"#
        ),
        3.0
    );
    assert_eq!(
        metric(&metrics, r#"wxgate_messages_total{account="safe"}"#),
        0.0
    );
}

/// 32 bytes of ciphertext whose plaintext ends in an invalid pad byte.
fn crypto_garbage() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode([7u8; 32])
}

#[actix_web::test]
async fn compatible_mode_prefers_the_decrypted_copy() {
    let gw = start().await;
    let secret = text_xml("o_u", "echo from ciphertext", 9201);
    let encrypt = cipher().encrypt(secret.as_bytes());
    // The plaintext copy says "hello"; the encrypted one wins when encrypt_type=aes.
    let body = text_xml("o_u", "hello", 9201).replace(
        "</xml>",
        &format!("<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"),
    );
    let query = encrypted_query(&encrypt, now(), "77");
    let (status, reply) = gw
        .post_raw(&gw.url(&format!("/wx/compat?{query}")), body.clone())
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        xml_field(&open_reply(&reply), "Content").as_deref(),
        Some("from ciphertext")
    );

    // Without encrypt_type the plain copy is used and the reply is plain.
    let body = body.replace("9201", "9202");
    let (status, reply) = gw.post_plain("compat", &body).await;
    assert_eq!(status, 200);
    assert_eq!(xml_field(&reply, "Content").as_deref(), Some("world"));
}

#[actix_web::test]
async fn encrypted_json_push_from_a_mini_program() {
    let gw = start().await;
    let inner = format!(
        r#"{{"ToUserName":"gh_mini","FromUserName":"o_mini","CreateTime":{},"MsgType":"event","Event":"user_enter_tempsession","SessionFrom":"wxapp"}}"#,
        now()
    );
    let encrypt = cipher().encrypt(inner.as_bytes());
    let body = format!(r#"{{"ToUserName":"gh_mini","Encrypt":"{encrypt}"}}"#);
    let query = encrypted_query(&encrypt, now(), "88");
    let (status, reply) = gw
        .post_raw(&gw.url(&format!("/wx/safe?{query}")), body)
        .await;
    assert_eq!((status, reply.as_str()), (200, "success"));
    assert_eq!(
        metric(
            &gw.metrics().await,
            r#"wxgate_messages_total{account="safe"}"#
        ),
        1.0
    );
}

/// Official sample pushes replayed through HTTP (see ../shared vectors):
/// V1 from w7corp/easywechat tests/Kernel/EncryptorTest.php (safe mode, Tencent's sample key);
/// V2 from JeffreySu/WeiXinMPSDK MessageHandlersTest.cs (compatible mode, Chinese text).
#[actix_web::test]
async fn official_vectors_through_http() {
    let config = r#"
[server]
listen = "127.0.0.1:0"
max_clock_skew_secs = 0

[[accounts]]
name = "v1"
appid = "wxb11529c136998cb6"
token = "pamtest"
encoding_aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
mode = "safe"
  [[accounts.rules]]
  keyword = "hello"
  reply = { text = "world" }

[[accounts]]
name = "v2"
appid = "wx669ef95216eef885"
token = "weixin"
encoding_aes_key = "mNnY5GekpChwqhy2c4NBH90g3hND6GeI4gii2YCvKLY"
mode = "compatible"
  [[accounts.rules]]
  keyword = "你好"
  reply = { text = "您好" }
"#;
    let gw = start_with(config, vec![]).await;

    let v1 = "rTNFcsut4LfGuAFKEUVVpwcaCOTJzOd9twZdIW910jb3k+iicx2uvhttIZ3Qg9Qgty3BEF2xbOrz6boTfb30dMomcgrkTqdFPwnhqbk+kIQ7rZiwny9D7NUrTgA5kpX3KsZvrXzUZyP2x9YOlxbgm572lmxKvM7HAQQhIQ/p6HBmoY30bGXFK0BtIu1pW9TjhOYrLQoU18nWYjWqDA1ynkmOytpv7QRI1P1+0NoxL0q2zO1DgeSvnE8CZGo/o5Ap/WHK5W2RAsinpzN4/LjPnmB6U01I5XCoJoC0GK/yMZycd2Oh8Nq6+wBkC1U85oy0ktOY4nLvsQMLrourmMGdZHuTbqpeJ8Ao/5PRYJ+WBvRUwPfGKBL2+2IKZF49vAJqkcGWSHGE76ZN2erXeuNazf/o9o3lIE3q739o4c8t9QGPe31GT2Go/rOz1BsrASwvauNulCh+++yz+CQzBIuikA==";
    let url = gw.url("/wx/v1?timestamp=1458300676&nonce=260774613&encrypt_type=aes&msg_signature=4f3ad57b6989f09f4eb392acce4f9e93942ed890");
    let body = format!(
        "<xml><ToUserName><![CDATA[asdasdasd]]></ToUserName><Encrypt><![CDATA[{v1}]]></Encrypt></xml>"
    );
    let (status, reply) = gw.post_raw(&url, body).await;
    assert_eq!(status, 200, "{reply}");
    let encrypt = xml_field(&reply, "Encrypt").unwrap();
    let (ts, nonce) = (
        xml_field(&reply, "TimeStamp").unwrap(),
        xml_field(&reply, "Nonce").unwrap(),
    );
    assert!(crypto::verify(
        &xml_field(&reply, "MsgSignature").unwrap(),
        &["pamtest", &ts, &nonce, &encrypt]
    ));
    let key = crypto::AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
        .unwrap();
    let inner = String::from_utf8(
        crypto::MsgCipher::new(&key, "wxb11529c136998cb6")
            .decrypt(&encrypt)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(xml_field(&inner, "Content").as_deref(), Some("world"));
    assert_eq!(
        xml_field(&inner, "ToUserName").as_deref(),
        Some("asdasdasdsadasd")
    );

    let v2 = "2gUBUpAeuPFKBS+gkcvrR1cBq1VjTOQluB7+FQF00VnybRpYR3xko4S4wh0qD+64cWmJfF93ZNLm+HLZBexjHLAdJBs5RBG2rP1AJnU0/1vQU/Ac9Q1Nq7vfC4l3ciF8YwhQW0o/GE4MYWWakgdwnp0hQ7aVVwqMLd67A5bsURQHJiFY/cH0fVlsKe6J3aazGhRXFCxceOq2VTJ2Eulc8aBDVSM5/lAIUA/JPq5Z2RzomM0+aoa5XIfGyAtAdlBXD0ADTemxgfYAKI5EMfKtH5za3dKV2UWbGAlJQZ0fwrwPx6Rs8MsoEtyxeQ52gO94gafA+/kIVjamKTVLSgudLLz5rAdGneKkBVhXyfyfousm1DoDRjQdAdqMWpwbeG5hanoJyJiH+humW/1q8PAAiaEfA+BOuvBk/a5xL0Q2l2k=";
    let body = format!(
        "<xml><ToUserName><![CDATA[gh_a96a4a619366]]></ToUserName>\n<FromUserName><![CDATA[olPjZjsXuQPJoV0HlruZkNzKc91E]]></FromUserName>\n<CreateTime>1414387151</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[你好]]></Content>\n<MsgId>6074746557628292943</MsgId>\n<Encrypt><![CDATA[{v2}]]></Encrypt>\n</xml>"
    );
    let url = gw.url("/wx/v2?signature=e3203b6433eb554dd2fcba78fa48cb948fcb4801&timestamp=1414387151&nonce=917222494&encrypt_type=aes&msg_signature=ae70d4e343d946fc0477a5c760b95be0947fddbb");
    let (status, reply) = gw.post_raw(&url, body.clone()).await;
    assert_eq!(status, 200, "{reply}");
    let key = crypto::AesKey::from_encoding_aes_key("mNnY5GekpChwqhy2c4NBH90g3hND6GeI4gii2YCvKLY")
        .unwrap();
    let inner = String::from_utf8(
        crypto::MsgCipher::new(&key, "wx669ef95216eef885")
            .decrypt(&xml_field(&reply, "Encrypt").unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(xml_field(&inner, "Content").as_deref(), Some("您好"));

    // The same compatible-mode push on the plain path: the retry of the same MsgId gets the
    // original's reply, now unencrypted.
    let url = gw.url("/wx/v2?signature=e3203b6433eb554dd2fcba78fa48cb948fcb4801&timestamp=1414387151&nonce=917222494");
    let (status, plain_reply) = gw.post_raw(&url, body).await;
    assert_eq!(status, 200);
    assert_eq!(
        plain_reply, inner,
        "the retry gets the original's plaintext byte for byte"
    );
}
