//! Sealing: known answers (the GCM specification's test case 16, an HMAC-SHA256 computed
//! independently), round trips, and every way a sealed value fails to open.

use super::*;

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn key(byte: u8) -> [u8; 32] {
    [byte; 32]
}

#[test]
fn opens_the_gcm_specification_test_case_16() {
    // McGrew and Viega, "The Galois/Counter Mode of Operation", test case 16 (AES-256, 96-bit
    // IV, with associated data).
    let key: [u8; 32] = unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
        .try_into()
        .unwrap();
    let plaintext = unhex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
         1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    let aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    let sealed = unhex(
        "cafebabefacedbaddecaf888\
         522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
         8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662\
         76fc6ece0f4e1768cddf8853bb2d551b",
    );
    let sealer = Sealer::new(&key);
    assert_eq!(sealer.open(&sealed, &aad).unwrap(), plaintext);

    // What seal makes has the same shape: nonce, ciphertext, tag.
    let mine = sealer.seal(&plaintext, &aad);
    assert_eq!(mine.len(), NONCE_LEN + plaintext.len() + TAG_LEN);
    assert_eq!(sealer.open(&mine, &aad).unwrap(), plaintext);
}

#[test]
fn fingerprint_is_hmac_sha256_hex() {
    let key: [u8; 32] = std::array::from_fn(|i| i as u8);
    let sealer = Sealer::new(&key);
    // python3: hmac.new(bytes(range(32)), msg, hashlib.sha256).hexdigest()
    assert_eq!(
        sealer.fingerprint(b"The quick brown fox jumps over the lazy dog"),
        "f87ad256151fc7b4c5dffa4adb3ebe911a8eeb8a8ebdee3c2a4a8e5f5ec02c32"
    );
}

#[test]
fn fingerprints_differ_by_data_and_key() {
    let one = Sealer::new(&key(1));
    let two = Sealer::new(&key(2));
    assert_eq!(one.fingerprint(b"a"), one.fingerprint(b"a"));
    assert_ne!(one.fingerprint(b"a"), one.fingerprint(b"b"));
    assert_ne!(one.fingerprint(b"a"), two.fingerprint(b"a"));
    let fingerprint = one.fingerprint(b"");
    assert_eq!(fingerprint.len(), 64);
    assert!(
        fingerprint
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{fingerprint}"
    );
}

#[test]
fn round_trips_and_uses_a_fresh_nonce_each_time() {
    let sealer = Sealer::new(&key(9));
    for plaintext in [&b""[..], b"x", b"tiihtNczf5v6AKRyjwEUhQ==", &[0u8; 1000]] {
        let one = sealer.seal(plaintext, b"aad");
        let two = sealer.seal(plaintext, b"aad");
        assert_ne!(one, two, "a fresh nonce per seal");
        assert_ne!(one[..NONCE_LEN], two[..NONCE_LEN]);
        assert_eq!(one.len(), plaintext.len() + NONCE_LEN + TAG_LEN);
        assert_eq!(sealer.open(&one, b"aad").unwrap(), plaintext);
        assert_eq!(sealer.open(&two, b"aad").unwrap(), plaintext);
    }
}

#[test]
fn the_plaintext_does_not_show_in_the_sealed_value() {
    let sealer = Sealer::new(&key(3));
    let secret = b"tiihtNczf5v6AKRyjwEUhQ==";
    let sealed = sealer.seal(secret, b"");
    assert!(!sealed.windows(secret.len()).any(|w| w == secret));
}

#[test]
fn another_key_or_aad_or_any_change_is_rejected() {
    let sealer = Sealer::new(&key(4));
    let sealed = sealer.seal(b"secret", b"shop\0o-user");
    assert_eq!(
        Sealer::new(&key(5)).open(&sealed, b"shop\0o-user"),
        Err(SealError::Rejected)
    );
    assert_eq!(
        sealer.open(&sealed, b"shop\0o-other"),
        Err(SealError::Rejected)
    );
    assert_eq!(sealer.open(&sealed, b""), Err(SealError::Rejected));
    for i in 0..sealed.len() {
        let mut altered = sealed.clone();
        altered[i] ^= 0x01;
        assert_eq!(
            sealer.open(&altered, b"shop\0o-user"),
            Err(SealError::Rejected),
            "byte {i} flipped"
        );
    }
    let mut longer = sealed.clone();
    longer.push(0);
    assert_eq!(
        sealer.open(&longer, b"shop\0o-user"),
        Err(SealError::Rejected)
    );
}

#[test]
fn short_values_are_refused() {
    let sealer = Sealer::new(&key(6));
    for len in 0..NONCE_LEN + TAG_LEN {
        assert_eq!(
            sealer.open(&vec![0u8; len], b""),
            Err(SealError::TooShort),
            "{len} bytes"
        );
    }
    // Exactly a nonce and a tag is the seal of an empty plaintext.
    let empty = sealer.seal(b"", b"");
    assert_eq!(empty.len(), NONCE_LEN + TAG_LEN);
    assert_eq!(sealer.open(&empty, b"").unwrap(), b"");
}

#[test]
fn debug_hides_the_key() {
    let sealer = Sealer::new(&[0xab; 32]);
    let text = format!("{sealer:?}");
    assert_eq!(text, "Sealer(..)");
    assert!(!text.contains("ab"), "{text}");
}
