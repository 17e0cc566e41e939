use aes::Aes128;
use aes::cipher::block_padding::{NoPadding, Pkcs7};
use aes::cipher::{BlockEncryptMut, KeyIvInit};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::{UserDataError, decrypt_user_data, jssdk_signature, raw_data_signature_matches};

/// WeChat's documented open-data vector (the mini-program docs' sample, also in wechatpy's
/// tests/test_crypto.py, `test_wxa_decrypt_message`).
mod doc {
    pub const APPID: &str = "wx4f4bc4dec97d474b";
    pub const SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
    pub const ENCRYPTED_DATA: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";
    pub const IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
}

/// WeChat's JS-SDK documentation example (附录5 signature algorithm).
mod jssdk_doc {
    pub const TICKET: &str =
        "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
    pub const NONCE_STR: &str = "Wm3WZYTPz0wzccnW";
    pub const TIMESTAMP: u64 = 1_414_587_457;
    pub const URL: &str = "http://mp.weixin.qq.com?params=value";
    pub const SIGNATURE: &str = "0f9de62fce790f9a083d5c99e95740ceb90c27ed";
}

const KEY: [u8; 16] = *b"0123456789abcdef";
const IV: [u8; 16] = *b"fedcba9876543210";

/// AES-128-CBC with PKCS#7 padding, base64: what WeChat does to open data.
fn encrypt(key: &[u8; 16], iv: &[u8; 16], plain: &[u8]) -> String {
    let sealed =
        cbc::Encryptor::<Aes128>::new(key.into(), iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plain);
    STANDARD.encode(sealed)
}

/// AES-128-CBC of block-aligned bytes with no padding added, base64.
fn encrypt_raw(key: &[u8; 16], iv: &[u8; 16], blocks: &[u8]) -> String {
    assert_eq!(blocks.len() % 16, 0, "test data must be block-aligned");
    let sealed = cbc::Encryptor::<Aes128>::new(key.into(), iv.into())
        .encrypt_padded_vec_mut::<NoPadding>(blocks);
    STANDARD.encode(sealed)
}

fn decrypt_ours(plain_b64: &str) -> Result<Value, UserDataError> {
    decrypt_user_data(&STANDARD.encode(KEY), plain_b64, &STANDARD.encode(IV))
}

#[test]
fn decrypts_wechats_documented_vector() {
    let data = decrypt_user_data(doc::SESSION_KEY, doc::ENCRYPTED_DATA, doc::IV).unwrap();
    assert_eq!(data["watermark"]["appid"], doc::APPID);
    assert_eq!(data["watermark"]["timestamp"], 1_477_314_187);
    assert_eq!(data["openId"], "oGZUI0egBJY1zhBYw2KhdUfwVJJE");
    assert_eq!(data["unionId"], "ocMvos6NjeKLIBqg5Mr9QjxrP1FA");
    assert_eq!(data["nickName"], "Band");
    assert_eq!(data["gender"], 1);
    assert_eq!(data["city"], "Guangzhou");
    assert_eq!(data.as_object().map(|o| o.len()), Some(10));
}

#[test]
fn base64_padding_may_be_left_out() {
    let unpadded = |text: &str| text.trim_end_matches('=').to_owned();
    let data = decrypt_user_data(
        &unpadded(doc::SESSION_KEY),
        &unpadded(doc::ENCRYPTED_DATA),
        &unpadded(doc::IV),
    )
    .unwrap();
    assert_eq!(data["watermark"]["appid"], doc::APPID);
}

#[test]
fn a_wrong_key_or_iv_fails_the_padding_check() {
    // Another user's key: the last block decrypts to noise, which is not PKCS#7 padding.
    let other_key = STANDARD.encode(*b"another-user-key");
    assert_eq!(
        decrypt_user_data(&other_key, doc::ENCRYPTED_DATA, doc::IV),
        Err(UserDataError::Padding)
    );
    // A wrong iv changes only the first block, which is no padding: the JSON is broken instead.
    assert_eq!(
        decrypt_user_data(doc::SESSION_KEY, doc::ENCRYPTED_DATA, &STANDARD.encode(IV)),
        Err(UserDataError::NotJson)
    );
    // The ciphertext cut by one block: its last block is no longer the padded one.
    let bytes = STANDARD.decode(doc::ENCRYPTED_DATA).unwrap();
    let cut = STANDARD.encode(&bytes[..bytes.len() - 16]);
    assert_eq!(
        decrypt_user_data(doc::SESSION_KEY, &cut, doc::IV),
        Err(UserDataError::Padding)
    );
}

#[test]
fn bad_padding_is_refused() {
    let object = br#"{"a":"bcdefghijklm"}"#; // 20 bytes
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    let with_tail = |tail: &[u8]| {
        let mut blocks = object.to_vec();
        blocks.extend_from_slice(tail);
        blocks
    };
    cases.push(("zero pad byte", with_tail(&[0; 12])));
    cases.push((
        "inconsistent pad bytes",
        with_tail(&[4, 4, 4, 4, 4, 4, 4, 4, 3, 4, 4, 4]),
    ));
    cases.push(("pad longer than a block", {
        let mut blocks = object.to_vec();
        blocks.resize(48, 17);
        blocks
    }));
    cases.push(("pad longer than the data", vec![32; 16]));
    cases.push(("no padding at all", {
        let mut blocks = object.to_vec();
        blocks.resize(32, b' ');
        blocks
    }));
    for (what, blocks) in cases {
        assert_eq!(
            decrypt_ours(&encrypt_raw(&KEY, &IV, &blocks)),
            Err(UserDataError::Padding),
            "{what}"
        );
    }
    // A full block of padding is valid.
    let mut blocks = br#"{"abcdefghij":1}"#.to_vec();
    blocks.resize(32, 16);
    assert_eq!(
        decrypt_ours(&encrypt_raw(&KEY, &IV, &blocks)),
        Ok(json!({"abcdefghij": 1}))
    );
}

#[test]
fn ciphertexts_that_are_not_whole_blocks_are_refused() {
    for len in [0, 1, 15, 17, 31, 33] {
        let data = STANDARD.encode(vec![7u8; len]);
        assert_eq!(decrypt_ours(&data), Err(UserDataError::Padding), "{len}");
    }
}

#[test]
fn bad_base64_names_the_field() {
    let key = STANDARD.encode(KEY);
    let iv = STANDARD.encode(IV);
    let data = encrypt(&KEY, &IV, b"{}");
    for bad in [
        "not base64!",
        "ab$d",
        "abc=d",
        "a",
        "YQ==YQ==",
        " YWJj",
        "YWJj\n",
    ] {
        assert_eq!(
            decrypt_user_data(bad, &data, &iv),
            Err(UserDataError::BadBase64("session_key")),
            "{bad:?}"
        );
        assert_eq!(
            decrypt_user_data(&key, bad, &iv),
            Err(UserDataError::BadBase64("encrypted_data")),
            "{bad:?}"
        );
        assert_eq!(
            decrypt_user_data(&key, &data, bad),
            Err(UserDataError::BadBase64("iv")),
            "{bad:?}"
        );
    }
    // URL-safe base64 is another alphabet.
    let url_safe = "-_-_-_-_-_-_-_-_-_-_-w";
    assert_eq!(
        decrypt_user_data(url_safe, &data, &iv),
        Err(UserDataError::BadBase64("session_key"))
    );
    // Trailing bits set past the data are refused, not silently dropped.
    assert_eq!(
        decrypt_user_data("tiihtNczf5v6AKRyjwEUhR==", doc::ENCRYPTED_DATA, doc::IV),
        Err(UserDataError::BadBase64("session_key"))
    );
}

#[test]
fn keys_and_ivs_must_be_16_bytes() {
    let data = encrypt(&KEY, &IV, b"{}");
    let iv = STANDARD.encode(IV);
    for len in [0, 15, 17, 24, 32] {
        let key = STANDARD.encode(vec![1u8; len]);
        assert_eq!(
            decrypt_user_data(&key, &data, &iv),
            Err(UserDataError::BadKeyLength),
            "{len}"
        );
        let bad_iv = STANDARD.encode(vec![1u8; len]);
        assert_eq!(
            decrypt_user_data(&STANDARD.encode(KEY), &data, &bad_iv),
            Err(UserDataError::BadIvLength),
            "{len}"
        );
    }
}

#[test]
fn plaintexts_that_are_not_a_json_object_are_refused() {
    for plain in [
        &b"not json"[..],
        b"",
        b"[1,2,3]",
        b"\"a string\"",
        b"42",
        b"null",
        b"{\"a\":1",
        b"{\"a\":1} trailing",
        b"{\"a\":\"\xff\xfe\"}",
    ] {
        assert_eq!(
            decrypt_ours(&encrypt(&KEY, &IV, plain)),
            Err(UserDataError::NotJson),
            "{:?}",
            String::from_utf8_lossy(plain)
        );
    }
    // Whitespace around an object is JSON.
    assert_eq!(
        decrypt_ours(&encrypt(&KEY, &IV, b" {\"a\":[1,{\"b\":null}]}\n")),
        Ok(json!({"a": [1, {"b": null}]}))
    );
}

#[test]
fn errors_say_what_without_any_data() {
    let messages = [
        UserDataError::BadBase64("iv").to_string(),
        UserDataError::BadKeyLength.to_string(),
        UserDataError::BadIvLength.to_string(),
        UserDataError::Padding.to_string(),
        UserDataError::NotJson.to_string(),
    ];
    assert_eq!(messages[0], "iv is not valid base64");
    for message in &messages {
        assert!(!message.contains(doc::SESSION_KEY), "{message}");
        assert!(!message.is_empty());
    }
}

#[test]
fn raw_data_signature_of_wechats_documentation() {
    // The example of WeChat's open-data documentation (数据签名校验).
    let raw_data = r#"{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}"#;
    let session_key = "HyVFkGl5F5OQWJZZaNzBBg==";
    let signature = "75e81ceda165f4ffa64f4068af58c64b8f54b88c";
    assert!(raw_data_signature_matches(raw_data, session_key, signature));
    assert!(raw_data_signature_matches(
        raw_data,
        session_key,
        &signature.to_ascii_uppercase()
    ));
    assert!(!raw_data_signature_matches(
        raw_data,
        doc::SESSION_KEY,
        signature
    ));
    let tampered = raw_data.replace("\"gender\":1", "\"gender\":2");
    assert!(!raw_data_signature_matches(
        &tampered,
        session_key,
        signature
    ));
}

#[test]
fn raw_data_signature_over_non_ascii_text() {
    // python3 -c 'import hashlib; print(hashlib.sha1(("{\"nickName\":\"小明\",\"city\":\"广州\",
    //   \"gender\":1}" + "tiihtNczf5v6AKRyjwEUhQ==").encode()).hexdigest())'
    let raw_data = r#"{"nickName":"小明","city":"广州","gender":1}"#;
    let signature = "65ec9fd4b6b703fef19aea5d81ac7e1e3d9160b3";
    assert!(raw_data_signature_matches(
        raw_data,
        doc::SESSION_KEY,
        signature
    ));
    // The session_key is hashed as the base64 text, not as its decoded bytes.
    let decoded = STANDARD.decode(doc::SESSION_KEY).unwrap();
    let decoded = String::from_utf8_lossy(&decoded);
    assert!(!raw_data_signature_matches(raw_data, &decoded, signature));
}

#[test]
fn raw_data_signatures_that_are_not_40_hex_digits_never_match() {
    let raw_data = r#"{"nickName":"小明","city":"广州","gender":1}"#;
    let signature = "65ec9fd4b6b703fef19aea5d81ac7e1e3d9160b3";
    for bad in [
        "",
        &signature[..39],
        &format!("{signature}0"),
        &format!(" {}", &signature[1..]),
        &signature.replace('e', "g"),
        "65ec9fd4b6b703fef19aea5d81ac7e1e3d9160b\u{e9}",
    ] {
        assert!(
            !raw_data_signature_matches(raw_data, doc::SESSION_KEY, bad),
            "{bad:?}"
        );
    }
}

#[test]
fn jssdk_signature_of_wechats_documentation() {
    assert_eq!(
        jssdk_signature(
            jssdk_doc::TICKET,
            jssdk_doc::NONCE_STR,
            jssdk_doc::TIMESTAMP,
            jssdk_doc::URL
        ),
        jssdk_doc::SIGNATURE
    );
}

/// Each expected value was computed with python3's hashlib over
/// `f"jsapi_ticket={t}&noncestr={n}&timestamp={ts}&url={url.split('#', 1)[0]}"`, with the
/// documentation's ticket, nonce and timestamp.
#[test]
fn jssdk_signature_keeps_the_url_as_written_but_its_fragment() {
    let cases = [
        (
            "http://mp.weixin.qq.com?params=value#wechat_redirect",
            "0f9de62fce790f9a083d5c99e95740ceb90c27ed",
        ),
        (
            "https://m.example.com/shop/item?id=42&from=singlemessage&isappinstalled=0",
            "03cf4c3b640359afe17f86cbb87706a7b27e7f57",
        ),
        (
            "https://m.example.com/商品/详情?q=中文&x=1#top",
            "9fbe3146f2dd8964693a3f2bf5f4f1006688e0de",
        ),
        (
            "https://m.example.com/%E5%95%86%E5%93%81/%E8%AF%A6%E6%83%85?q=%E4%B8%AD%E6%96%87&x=1",
            "09179712dc551057afcdce96679770fee5de1e47",
        ),
        (
            "https://m.example.com/a?b=c+d&e=f%20g&redirect=https%3A%2F%2Fx.example.com%2F%23frag#x#y",
            "508e6e1d0f37443dc982f45f9c8ba1bf89284297",
        ),
        (
            "https://M.Example.com:8443/Path/?",
            "ea9e6b8e9441c3c2d7a1d556f82ada167cb61b0f",
        ),
    ];
    for (url, expected) in cases {
        let signature = jssdk_signature(
            jssdk_doc::TICKET,
            jssdk_doc::NONCE_STR,
            jssdk_doc::TIMESTAMP,
            url,
        );
        assert_eq!(signature, expected, "{url}");
    }
}

#[test]
fn jssdk_signature_changes_with_every_input() {
    let sign = |ticket: &str, nonce: &str, timestamp: u64, url: &str| {
        jssdk_signature(ticket, nonce, timestamp, url)
    };
    let base = sign("t", "n", 1, "https://m.example.com/");
    assert_eq!(base.len(), 40);
    assert!(
        base.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert_ne!(base, sign("u", "n", 1, "https://m.example.com/"));
    assert_ne!(base, sign("t", "m", 1, "https://m.example.com/"));
    assert_ne!(base, sign("t", "n", 2, "https://m.example.com/"));
    assert_ne!(base, sign("t", "n", 1, "https://m.example.com"));
    assert_ne!(base, sign("t", "n", 1, "https://M.example.com/"));
    assert_eq!(base, sign("t", "n", 1, "https://m.example.com/#"));
    assert_eq!(base, sign("t", "n", 1, "https://m.example.com/#a?b#c"));
}

/// A JSON-ish value: strings (any Unicode), integers, booleans, null, and one level of arrays.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
    ]
}

fn object() -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        3 => leaf(),
        1 => proptest::collection::vec(leaf(), 0..4).prop_map(Value::from),
    ];
    proptest::collection::btree_map(any::<String>(), field, 0..8)
        .prop_map(|fields| Value::Object(fields.into_iter().collect()))
}

proptest! {
    #[test]
    fn encrypt_then_decrypt_round_trips(
        value in object(),
        key in any::<[u8; 16]>(),
        iv in any::<[u8; 16]>(),
        pad in any::<bool>(),
    ) {
        let plain = serde_json::to_vec(&value).unwrap();
        let encrypted = encrypt(&key, &iv, &plain);
        // Either base64 form: WeChat's padded one, or one with its `=` lost.
        let (key_b64, iv_b64) = if pad {
            (STANDARD.encode(key), STANDARD.encode(iv))
        } else {
            (STANDARD_NO_PAD.encode(key), STANDARD_NO_PAD.encode(iv))
        };
        prop_assert_eq!(decrypt_user_data(&key_b64, &encrypted, &iv_b64), Ok(value));
    }
}
