use argon2::{Argon2, PasswordVerifier as _};

use super::*;

#[test]
fn the_hash_is_argon2id_in_phc_form_and_verifies() {
    let phc = hash("correct horse").unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    let argon2 = Argon2::default();
    assert!(
        argon2
            .verify_password(b"correct horse", phc.as_str())
            .is_ok()
    );
    assert!(
        argon2
            .verify_password(b"correct horsf", phc.as_str())
            .is_err()
    );
    // A fresh salt every time.
    assert_ne!(hash("correct horse").unwrap(), phc);
}

#[test]
fn one_line_is_read_without_its_ending() {
    assert_eq!(read_line(&b"s3cret\nrest\n"[..]).unwrap(), "s3cret");
    assert_eq!(read_line(&b"s3cret\r\n"[..]).unwrap(), "s3cret");
    assert_eq!(read_line(&b"no newline"[..]).unwrap(), "no newline");
    assert_eq!(read_line(&b" spaces kept \n"[..]).unwrap(), " spaces kept ");
}

#[test]
fn an_empty_password_is_refused() {
    assert!(read_line(&b"\n"[..]).is_err());
    assert!(read_line(&b""[..]).is_err());
}
