use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{AesKey, KeyError};
use crate::crypto::test_vectors::{v1, v2};

// V1 key: w7corp/easywechat tests/Kernel/EncryptorTest.php (test_decrypt).
// V2 key: JeffreySu/WeiXinMPSDK .../MessageHandlers/MessageHandlersTest.cs
// (CompatibilityModelEncryptMessageRequestTest).
#[test]
fn decodes_vector_keys() {
    for (encoding, expected) in [
        (v1::ENCODING_AES_KEY, v1::AES_KEY_HEX),
        (v2::ENCODING_AES_KEY, v2::AES_KEY_HEX),
    ] {
        let key = AesKey::from_encoding_aes_key(encoding).unwrap();
        assert_eq!(hex::encode(key.bytes()), expected);
    }
}

// V1 key: w7corp/easywechat tests/Kernel/EncryptorTest.php (test_decrypt).
#[test]
fn accepts_non_canonical_key() {
    // The V1 key ends in 'G' (000110): the two spare bits are not zero.
    let padded = format!("{}=", v1::ENCODING_AES_KEY);
    assert!(
        STANDARD.decode(&padded).is_err(),
        "a strict decoder rejects this key, so the lenient path is what is tested"
    );
    let key: AesKey = v1::ENCODING_AES_KEY.parse().unwrap();
    assert_eq!(hex::encode(key.bytes()), v1::AES_KEY_HEX);
}

#[test]
fn rejects_wrong_length() {
    let short = &v1::ENCODING_AES_KEY[..42];
    let err = AesKey::from_encoding_aes_key(short).unwrap_err();
    assert_eq!(err, KeyError::Length { got: 42 });
    assert!(
        err.to_string()
            .starts_with("EncodingAESKey must be 43 characters, got 42"),
        "{err}"
    );

    let long = format!("{}A", v1::ENCODING_AES_KEY);
    assert_eq!(
        AesKey::from_encoding_aes_key(&long).unwrap_err(),
        KeyError::Length { got: 44 }
    );
    let padded = format!("{}=", v1::ENCODING_AES_KEY);
    assert_eq!(
        AesKey::from_encoding_aes_key(&padded).unwrap_err(),
        KeyError::Length { got: 44 }
    );
    assert_eq!(
        AesKey::from_encoding_aes_key("").unwrap_err(),
        KeyError::Length { got: 0 }
    );
}

#[test]
fn counts_characters_not_bytes() {
    let key = format!("{}é", &v1::ENCODING_AES_KEY[..42]);
    assert_eq!(key.len(), 44);
    assert_eq!(
        AesKey::from_encoding_aes_key(&key).unwrap_err(),
        KeyError::InvalidChar {
            ch: 'é',
            position: 42
        }
    );
}

#[test]
fn rejects_non_base64_characters() {
    for bad in ['-', '_', '=', ' ', '.', '\n'] {
        let mut key = String::from(v1::ENCODING_AES_KEY);
        key.replace_range(10..11, &bad.to_string());
        let err = AesKey::from_encoding_aes_key(&key).unwrap_err();
        assert_eq!(
            err,
            KeyError::InvalidChar {
                ch: bad,
                position: 10
            }
        );
        assert!(
            err.to_string().contains("A-Z, a-z, 0-9, '+' and '/'"),
            "{err}"
        );
    }
}

#[test]
fn debug_hides_key() {
    let key = AesKey::from_encoding_aes_key(v1::ENCODING_AES_KEY).unwrap();
    assert_eq!(format!("{key:?}"), "AesKey(..)");
    assert_eq!(format!("{key:#?}"), "AesKey(..)");
}

#[test]
fn errors_do_not_echo_the_key() {
    let almost = &v2::ENCODING_AES_KEY[..42];
    let err = AesKey::from_encoding_aes_key(almost).unwrap_err();
    assert!(!err.to_string().contains(almost));
}
