use super::*;

#[test]
fn aes_key_problems_name_length_and_position_only() {
    let good = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    assert_eq!(check_aes_key(good).ok(), good.parse().ok());

    let Err(bad) = check_aes_key(&format!("{good}=")) else {
        panic!("accepted 44 chars")
    };
    assert_eq!(bad.message, "is 44 characters long, not 43");
    assert!(bad.hint.contains("trailing `=`"), "{}", bad.hint);
    assert!(!bad.message.contains(good) && !bad.hint.contains(good));

    let spaced = format!("{} {}", &good[..10], &good[11..]);
    let Err(bad) = check_aes_key(&spaced) else {
        panic!("accepted a space")
    };
    assert_eq!(
        bad.message,
        "has a space at position 11, which is not in the base64 alphabet"
    );

    let Err(bad) = check_aes_key("short") else {
        panic!("accepted a short key")
    };
    assert_eq!(bad.message, "is 5 characters long, not 43");
}

#[test]
fn token_is_3_to_32_printable_ascii() {
    assert!(check_token("abc").is_ok());
    assert!(check_token(&"a".repeat(32)).is_ok());
    let Err(bad) = check_token("ab") else {
        panic!("accepted 2 chars")
    };
    assert_eq!(bad.message, "is 2 characters long, not 3 to 32");
    let Err(bad) = check_token(&"a".repeat(33)) else {
        panic!("accepted 33 chars")
    };
    assert_eq!(bad.message, "is 33 characters long, not 3 to 32");
    assert!(check_token("callback-token_1").is_ok());
    let Err(bad) = check_token("abc def") else {
        panic!("accepted a space")
    };
    assert_eq!(
        bad.message,
        "has a space at position 4, not a printable ASCII character"
    );
    let Err(bad) = check_token("tökén") else {
        panic!("accepted non-ASCII")
    };
    assert_eq!(
        bad.message,
        "has `ö` at position 2, not a printable ASCII character"
    );
    let Err(bad) = check_token("") else {
        panic!("accepted empty")
    };
    assert_eq!(bad.message, "is empty");
}

#[test]
fn names_and_appids() {
    assert!(check_name("demo_1-a").is_ok());
    assert!(check_name(&"n".repeat(64)).is_ok());
    assert!(check_name(&"n".repeat(65)).is_err());
    assert!(check_name("").is_err());
    let Err(bad) = check_name("a/b") else {
        panic!("accepted `/`")
    };
    assert_eq!(bad.message, "`a/b` has `/` at position 2");
    assert!(check_appid("wx1234567890abcdef").is_ok());
    assert!(check_appid("tt1234").is_ok());
    assert!(check_appid("wx-1").is_err());
    assert!(check_appid("").is_err());
}

#[test]
fn modes_and_listen() {
    assert_eq!(check_mode("compatible"), Ok(Mode::Compatible));
    let Err(bad) = check_mode("Safe") else {
        panic!("accepted `Safe`")
    };
    assert_eq!(bad.message, "unknown mode `Safe`");
    assert!(bad.hint.starts_with("did you mean `safe`?"), "{}", bad.hint);
    assert!(check_listen("[::]:80").is_ok());
    let Err(bad) = check_listen("localhost:8080") else {
        panic!("accepted a host name")
    };
    assert_eq!(bad.message, "`localhost:8080` is not a socket address");
}
