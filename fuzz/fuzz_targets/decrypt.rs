//! Any bytes as the `Encrypt` value of a correctly signed safe-mode push, through
//! `envelope::open`, the path the server takes (signature, then decryption, then the inner
//! body), then the typed message.
//!
//! The first byte picks what the rest becomes:
//! - 0: the `Encrypt` text itself (base64 or not);
//! - 1: the ciphertext, base64-encoded here;
//! - 2: an AES-CBC plaintext frame (random, length, message, appid and padding all fuzzed),
//!   zero-extended to whole blocks and encrypted with the account's key;
//! - 3: the same frame with correct PKCS#7 (32) padding appended;
//! - otherwise: a message, encrypted properly for the account.
//!
//! Oracles: nothing panics; whatever `MsgCipher::encrypt` produced opens again, and a frame
//! built by hand opens exactly when it is well-formed and carries the account's appid.
#![no_main]

use std::sync::{Arc, LazyLock};

use aes::Aes256;
use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockEncryptMut, KeyIvInit};
use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use libfuzzer_sys::fuzz_target;
use wxgate::internals::account::{Account, Accounts};
use wxgate::internals::crypto::{self, AesKey, MsgCipher};
use wxgate::internals::envelope::{self, EnvelopeError};
use wxgate::handlers::Message;
use wxgate::internals::envelope::CallbackQuery;
use wxgate::internals::metrics::Metrics;
use wxgate::internals::wire;
use wxgate_fuzz::{AES_KEY, APPID, TOKEN, exercise, percent_encode};

const TIMESTAMP: &str = "1718004312";
const NONCE: &str = "1234567890";

static ACCOUNTS: LazyLock<Accounts> = LazyLock::new(|| {
    let config = wxgate_fuzz::config();
    let metrics = Metrics::new(config.accounts.iter().map(|a| a.name.as_str()));
    wxgate_fuzz::accounts(&config, &[], &metrics)
});

/// `base64_decode(EncodingAESKey + "=")`, decoded leniently: the sample key's last character
/// leaves non-zero trailing bits, which WeChat's own decoders ignore.
static KEY: LazyLock<[u8; 32]> = LazyLock::new(|| {
    let lenient = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    lenient
        .decode(format!("{AES_KEY}="))
        .expect("the sample key is base64")
        .try_into()
        .expect("32 bytes")
});

fn safe() -> &'static Arc<Account> {
    ACCOUNTS.get("safe").expect("the safe account")
}

/// AES-256-CBC with the account's key and IV, no padding: `frame` is zero-extended to whole
/// blocks first.
fn encrypt_frame(frame: &[u8]) -> String {
    let mut buf = frame.to_vec();
    buf.resize(frame.len().div_ceil(16).max(1) * 16, 0);
    let len = buf.len();
    let key = &*KEY;
    cbc::Encryptor::<Aes256>::new(key.into(), key[..16].into())
        .encrypt_padded_mut::<NoPadding>(&mut buf, len)
        .expect("whole blocks");
    STANDARD.encode(&buf)
}

/// Whether `frame` (the whole decrypted plaintext) is one `open` must accept as far as the
/// cipher is concerned: valid padding, a length field within the data, the account's appid.
fn frame_is_valid(frame: &[u8]) -> bool {
    let Some(&pad) = frame.last() else {
        return false;
    };
    let pad = usize::from(pad);
    if pad == 0 || pad > 32 || pad > frame.len() || !frame.len().is_multiple_of(16) {
        return false;
    }
    if frame[frame.len() - pad..]
        .iter()
        .any(|&b| usize::from(b) != pad)
    {
        return false;
    }
    let body = &frame[..frame.len() - pad];
    let Some(len) = body.get(16..20) else {
        return false;
    };
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    match len.checked_add(20) {
        Some(end) if end <= body.len() => &body[end..] == APPID.as_bytes(),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (encrypt, expect_cipher_ok) = match mode {
        0 => match std::str::from_utf8(rest) {
            Ok(text) => (text.to_owned(), None),
            Err(_) => return,
        },
        1 => (STANDARD.encode(rest), None),
        2 => {
            let mut frame = rest.to_vec();
            frame.resize(rest.len().div_ceil(16).max(1) * 16, 0);
            (encrypt_frame(rest), Some(frame_is_valid(&frame)))
        }
        3 => {
            let mut frame = rest.to_vec();
            let pad = 32 - frame.len() % 32;
            frame.resize(frame.len() + pad, pad as u8);
            (encrypt_frame(&frame), Some(frame_is_valid(&frame)))
        }
        _ => {
            let cipher = MsgCipher::new(
                &AesKey::from_encoding_aes_key(AES_KEY).expect("the sample key"),
                APPID,
            );
            (cipher.encrypt_with_random(&[7; 16], rest), Some(true))
        }
    };

    // The envelope as WeChat sends it; `Encrypt` as the parser will read it is what is signed.
    let body = wire::render_encrypted(&encrypt, "", TIMESTAMP, NONCE);
    let fields = wire::parse_xml(body.as_bytes()).expect("rendered envelopes parse");
    let seen = fields.text("Encrypt").expect("Encrypt").to_owned();
    let msg_signature = crypto::sign(&[TOKEN, TIMESTAMP, NONCE, &seen]);
    let query_text = format!(
        "timestamp={TIMESTAMP}&nonce={NONCE}&encrypt_type=aes&msg_signature={}",
        percent_encode(&msg_signature)
    );
    let query = CallbackQuery::parse(&query_text).expect("a well-formed query");

    let opened = envelope::open(safe(), &query, body.as_bytes(), Some("text/xml"), 0, 0);
    match &opened {
        Err(EnvelopeError::Decrypt(err)) => assert_ne!(
            expect_cipher_ok,
            Some(true),
            "a valid frame was refused: {err}"
        ),
        Err(EnvelopeError::Wire(_)) | Ok(_) => assert_ne!(
            expect_cipher_ok,
            Some(false),
            "an invalid frame was decrypted"
        ),
        Err(err) => panic!("a correctly signed push was refused before decryption: {err}"),
    }
    if let Ok(inbound) = opened {
        assert!(inbound.encrypted);
        if let Ok(message) = Message::from_fields(inbound.fields) {
            exercise(&message);
        }
    }
});
