//! Any bytes as an admin request body, read both as a custom menu and as a QR code request.
//!
//! Oracles: nothing panics; a menu that parses serializes back (WeChat's own shape, which is
//! what gets stored and published) to JSON that parses to the same menu and gets the same
//! verdict; a valid QR code request stays within WeChat's limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxgate::internals::manage::validate::{
    self, MAX_EXPIRE_SECONDS, MAX_PERMANENT_SCENE_ID, MAX_SCENE_CHARS, Scene,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(menu) = validate::parse_menu(data) {
        let verdict = validate::validate_menu(&menu);
        let json = serde_json::to_vec(&menu).expect("a menu serializes");
        let again = validate::parse_menu(&json).expect("a serialized menu parses");
        assert_eq!(again, menu);
        assert_eq!(validate::validate_menu(&again), verdict);
        if let Err(problems) = &verdict {
            assert!(!problems.is_empty());
            for problem in problems {
                assert!(
                    problem.path.starts_with("button"),
                    "problem path {:?}",
                    problem.path
                );
                let _ = problem.to_string();
            }
        }
    }

    if let Ok(spec) = validate::parse_qrcode(data) {
        match validate::validate_qrcode(&spec) {
            Ok(valid) => {
                let _ = valid.action_name();
                assert_eq!(valid.permanent, spec.permanent);
                match &valid.scene {
                    Scene::Id(id) => {
                        assert!(*id >= 1);
                        assert!(!valid.permanent || *id <= MAX_PERMANENT_SCENE_ID);
                    }
                    Scene::Str(s) => {
                        assert!(!s.is_empty() && s.chars().count() <= MAX_SCENE_CHARS);
                    }
                }
                match valid.expire_seconds {
                    None => assert!(valid.permanent),
                    Some(secs) => {
                        assert!(!valid.permanent && (1..=MAX_EXPIRE_SECONDS).contains(&secs));
                    }
                }
            }
            Err(problems) => assert!(!problems.is_empty()),
        }
    }
});
