//! Error paths with keyring's mock credential store: each failure gets its own one-line message.

use super::*;
use keyring::mock::MockCredential;

/// A store whose every entry fails with the error `make` returns.
fn failing(make: fn() -> keyring::Error) -> Store {
    Store::with_entries(
        Backend::SecretService,
        "svc-test",
        move |service, account| {
            let cred = keyring::mock::default_credential_builder().build(None, service, account)?;
            let entry = Entry::new_with_credential(cred);
            if let Some(mock) = entry.get_credential().downcast_ref::<MockCredential>() {
                mock.set_error(make());
            }
            Ok(entry)
        },
    )
}

fn boxed(msg: &str) -> Box<dyn std::error::Error + Send + Sync> {
    Box::new(std::io::Error::other(msg.to_owned()))
}

#[test]
fn a_missing_entry_is_none_not_an_error() {
    let store = failing(|| keyring::Error::NoEntry);
    assert!(store.get("prod").unwrap().is_none());
    let store = failing(|| keyring::Error::NoEntry);
    assert!(!store.delete("prod").unwrap());
}

#[test]
fn a_locked_keyring_says_unlock_and_names_the_env_var() {
    let store = failing(|| keyring::Error::NoStorageAccess(boxed("collection is locked")));
    let msg = store.get("prod").unwrap_err().to_string();
    assert!(msg.contains("locked"), "{msg}");
    assert!(msg.contains("unlock"), "{msg}");
    assert!(msg.contains("PINGONE_CLIENT_SECRET"), "{msg}");
    assert!(msg.contains("Secret Service"), "{msg}");
    assert!(!msg.contains('\n'));
}

#[test]
fn a_permission_failure_says_what_failed() {
    let store =
        failing(|| keyring::Error::PlatformFailure(boxed("Permission denied (os error 13)")));
    let msg = store
        .set("prod", &Secret::new("hunter2-secret".into()))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("Permission denied"), "{msg}");
    assert!(msg.contains("failed"), "{msg}");
    assert!(!msg.contains("hunter2-secret"), "{msg}");
}

#[test]
fn bad_encoding_and_ambiguity_have_their_own_messages() {
    let store = failing(|| keyring::Error::BadEncoding(b"\xff".to_vec()));
    let msg = store.get("prod").unwrap_err().to_string();
    assert!(msg.contains("not UTF-8") && msg.contains("login"), "{msg}");
    let store = failing(|| keyring::Error::Ambiguous(Vec::new()));
    let msg = store.get("prod").unwrap_err().to_string();
    assert!(msg.contains("several") && msg.contains("logout"), "{msg}");
}

#[test]
fn no_backend_names_both_alternatives() {
    let msg = StoreError::Unavailable("keyutils: blocked by seccomp".into()).to_string();
    assert!(msg.starts_with("no OS keyring is available"), "{msg}");
    assert!(msg.contains("PINGONE_CLIENT_SECRET"), "{msg}");
    assert!(msg.contains("terminal"), "{msg}");
    assert!(msg.contains("never written to a plain file"), "{msg}");
    assert!(!msg.contains('\n'));
}

#[test]
fn a_working_mock_entry_round_trips_within_one_entry() {
    // keyring's mock keeps the secret in the entry itself, so one entry does the round trip.
    let cred = keyring::mock::default_credential_builder()
        .build(None, "svc", "acct")
        .unwrap();
    let entry = Entry::new_with_credential(cred);
    entry.set_password("s3cret").unwrap();
    assert_eq!(entry.get_password().unwrap(), "s3cret");
    entry.delete_credential().unwrap();
    assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)));
}

#[test]
fn backends_parse_from_their_names() {
    for b in [
        Backend::SecretService,
        Backend::Keyutils,
        Backend::Native,
        Backend::Mock,
    ] {
        assert_eq!(Backend::parse(b.as_str()), Some(b));
    }
    assert_eq!(Backend::parse("plaintext"), None);
}

#[cfg(target_os = "linux")]
#[test]
fn keyutils_round_trips_and_cleans_up() {
    let Ok(store) = Store::open(Backend::Keyutils, "pingscope-unit-test") else {
        eprintln!("kernel keyutils unavailable here: skipped");
        return;
    };
    let account = format!("unit-{}", std::process::id());
    let secret = Secret::new("unit-test-secret".into());
    store.set(&account, &secret).unwrap();
    assert_eq!(store.get(&account).unwrap(), Some(secret));
    assert!(store.delete(&account).unwrap());
}
