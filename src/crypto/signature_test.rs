use sha1::{Digest, Sha1};

use super::{sign, verify};
use crate::crypto::test_vectors::{v1, v2};

/// Reference implementation: sort owned strings, join, hash.
fn reference(parts: &[&str]) -> String {
    let mut sorted: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
    sorted.sort();
    hex::encode(Sha1::digest(sorted.concat().as_bytes()))
}

// V1: w7corp/easywechat tests/Kernel/EncryptorTest.php (test_decrypt).
#[test]
fn v1_msg_signature() {
    let parts = [v1::TOKEN, v1::TIMESTAMP, v1::NONCE, v1::ENCRYPT];
    assert_eq!(sign(&parts), v1::MSG_SIGNATURE);
    assert!(verify(v1::MSG_SIGNATURE, &parts));
}

// V2: JeffreySu/WeiXinMPSDK src/Senparc.Weixin.MP/Senparc.Weixin.MP.Test/MessageHandlers/
// MessageHandlersTest.cs (CompatibilityModelEncryptMessageRequestTest).
#[test]
fn v2_signature_and_msg_signature() {
    let plain = [v2::TOKEN, v2::TIMESTAMP, v2::NONCE];
    assert_eq!(sign(&plain), v2::SIGNATURE);
    assert!(verify(v2::SIGNATURE, &plain));

    let encrypted = [v2::TOKEN, v2::TIMESTAMP, v2::NONCE, v2::ENCRYPT];
    assert_eq!(sign(&encrypted), v2::MSG_SIGNATURE);
    assert!(verify(v2::MSG_SIGNATURE, &encrypted));

    assert!(!verify(v2::SIGNATURE, &encrypted));
    assert!(!verify(v2::MSG_SIGNATURE, &plain));
}

// V1: w7corp/easywechat tests/Kernel/EncryptorTest.php (test_decrypt).
#[test]
fn order_of_parts_does_not_matter() {
    let parts = [v1::ENCRYPT, v1::NONCE, v1::TOKEN, v1::TIMESTAMP];
    assert_eq!(sign(&parts), v1::MSG_SIGNATURE);
    assert!(verify(v1::MSG_SIGNATURE, &parts));
}

#[test]
fn sorts_by_bytes() {
    // Byte order puts uppercase before lowercase and "a" before "ab".
    let parts = ["b", "ab", "B", "a", "", "中", "Z"];
    assert_eq!(sign(&parts), hex::encode(Sha1::digest("BZaabb中")));
    assert_eq!(sign(&parts), reference(&parts));
}

#[test]
fn many_parts_match_few_parts_path() {
    let parts: Vec<String> = (0..20).rev().map(|i| format!("p{i}")).collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    for n in 0..=parts.len() {
        let expected = reference(&parts[..n]);
        assert_eq!(sign(&parts[..n]), expected, "{n} parts");
        assert!(verify(&expected, &parts[..n]), "{n} parts");
    }
}

// V1: w7corp/easywechat tests/Kernel/EncryptorTest.php (test_decrypt).
#[test]
fn verify_accepts_uppercase_and_mixed_case_hex() {
    let parts = [v1::TOKEN, v1::TIMESTAMP, v1::NONCE, v1::ENCRYPT];
    assert!(verify(&v1::MSG_SIGNATURE.to_uppercase(), &parts));
    let mixed: String = v1::MSG_SIGNATURE
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    assert!(verify(&mixed, &parts));
}

// V1: w7corp/easywechat tests/Kernel/EncryptorTest.php (test_decrypt).
#[test]
fn verify_rejects_wrong_signatures_without_panicking() {
    let parts = [v1::TOKEN, v1::TIMESTAMP, v1::NONCE, v1::ENCRYPT];
    let good = v1::MSG_SIGNATURE;
    let rejected = [
        String::new(),
        good[..39].to_string(),
        format!("{good}0"),
        format!("{good}{good}"),
        good[..38].to_string(),
        format!("{}g", &good[..39]),
        format!("{}G", &good[..39]),
        format!("{}é", &good[..38]),
        format!(" {}", &good[..39]),
        "z".repeat(40),
        "0".repeat(40),
        "中".repeat(40),
        "\0".repeat(40),
    ];
    for sig in &rejected {
        assert!(!verify(sig, &parts), "accepted {sig:?}");
    }
    // Bytes that a careless lowercasing (`| 0x20`) would turn into the expected digit.
    for i in 0..good.len() {
        let mut bytes = good.as_bytes().to_vec();
        if bytes[i].is_ascii_digit() {
            bytes[i] -= 0x20;
            let near = String::from_utf8(bytes).unwrap();
            assert!(!verify(&near, &parts), "accepted {near:?}");
        }
    }
    // Every single-digit change is rejected.
    for i in 0..good.len() {
        let mut bytes = good.as_bytes().to_vec();
        bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
        let changed = String::from_utf8(bytes).unwrap();
        assert!(!verify(&changed, &parts), "accepted {changed}");
    }
}

#[test]
fn verify_rejects_other_parts() {
    let sig = sign(&["token", "1", "2"]);
    assert!(verify(&sig, &["token", "1", "2"]));
    assert!(!verify(&sig, &["token", "1", "3"]));
    assert!(!verify(&sig, &["token", "1", "2", "3"]));
    assert!(!verify(&sig, &["token", "1"]));
    // Parts are joined with no separator, so only the sorted concatenation counts.
    assert!(verify(&sig, &["12", "token"]));
    // Concatenation has no separator, so an empty part changes nothing.
    assert!(verify(&sig, &["token", "1", "2", ""]));
}

proptest::proptest! {
    /// Verifying agrees with decoding the hex and comparing the digests, for the signature with
    /// any case and any byte replaced (hex digits of either case, other letters, anything).
    #[test]
    fn verify_agrees_with_decoding_the_hex(
        upper in proptest::collection::vec(proptest::bool::ANY, 40),
        replaced in proptest::option::of((
            0usize..40,
            proptest::prop_oneof![proptest::char::range('\0', '\x7f'), proptest::char::any()],
        )),
    ) {
        let parts = [v1::TOKEN, v1::TIMESTAMP, v1::NONCE, v1::ENCRYPT];
        let mut given: String = v1::MSG_SIGNATURE
            .chars()
            .zip(&upper)
            .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
            .collect();
        if let Some((at, with)) = replaced {
            given.replace_range(at..at + 1, with.encode_utf8(&mut [0; 4]));
        }
        let expected = hex::decode(&given).ok() == hex::decode(reference(&parts)).ok();
        proptest::prop_assert_eq!(verify(&given, &parts), expected, "{}", given);
    }
}
