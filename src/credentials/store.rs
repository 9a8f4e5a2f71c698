//! Where client secrets live: the OS keyring, never a file. The backend is chosen at run time:
//! the Secret Service when a D-Bus session answers (Linux desktops), else the kernel's keyutils
//! (headless Linux); the Keychain on macOS and the Credential Manager on Windows.
//! `PINGSCOPE_KEYRING` forces one: `secret-service`, `keyutils`, `native` or `none`.

use std::fmt;

use keyring::Entry;

use crate::pingone::Secret;

/// Forces a backend: `secret-service`, `keyutils`, `native` (Keychain / Credential Manager) or
/// `none` (behave as if no keyring existed).
pub const BACKEND_VAR: &str = "PINGSCOPE_KEYRING";
/// The keyring service name entries are filed under (default `pingscope`); tests use their own.
pub const SERVICE_VAR: &str = "PINGSCOPE_KEYRING_SERVICE";
pub const DEFAULT_SERVICE: &str = "pingscope";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backend {
    /// freedesktop Secret Service over D-Bus (GNOME Keyring, KWallet).
    SecretService,
    /// The Linux kernel's key retention service (session + persistent keyrings).
    Keyutils,
    /// macOS Keychain or Windows Credential Manager.
    Native,
    /// keyring's in-memory mock (unit tests).
    Mock,
}

impl Backend {
    /// The name stored in profiles and accepted by `PINGSCOPE_KEYRING`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::SecretService => "secret-service",
            Backend::Keyutils => "keyutils",
            Backend::Native => "native",
            Backend::Mock => "mock",
        }
    }

    pub fn parse(s: &str) -> Option<Backend> {
        match s.trim().to_ascii_lowercase().as_str() {
            "secret-service" | "secret_service" | "secretservice" => Some(Backend::SecretService),
            "keyutils" | "linux-keyutils" => Some(Backend::Keyutils),
            "native" | "keychain" | "windows" => Some(Backend::Native),
            "mock" => Some(Backend::Mock),
            _ => None,
        }
    }

    /// For people: where the secret is.
    pub fn describe(self) -> &'static str {
        match self {
            Backend::SecretService => "the Secret Service (desktop keyring)",
            Backend::Keyutils => "the kernel keyring (keyutils; cleared at reboot)",
            Backend::Native if cfg!(target_os = "macos") => "the macOS Keychain",
            Backend::Native if cfg!(windows) => "the Windows Credential Manager",
            Backend::Native => "the native keyring",
            Backend::Mock => "an in-memory mock keyring",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong with the keyring, one line each; never carries the secret.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "no OS keyring is available ({0}): set PINGONE_CLIENT_SECRET for this shell, or run \
         pingscope in a terminal to be asked for the secret for this run only (it is never \
         written to a plain file)"
    )]
    Unavailable(String),
    #[error(
        "{} is locked or refused access ({detail}): unlock it (log in to the desktop session) \
         and try again, or set PINGONE_CLIENT_SECRET for this shell",
        .backend.describe()
    )]
    Locked { backend: Backend, detail: String },
    #[error("{} failed ({detail}); or set PINGONE_CLIENT_SECRET for this shell", .backend.describe())]
    Failed { backend: Backend, detail: String },
    #[error("the secret in {} is not UTF-8 text: run `pingscope login` again", .0.describe())]
    BadEncoding(Backend),
    #[error("{} holds several secrets for this profile: remove them with `pingscope logout`", .0.describe())]
    Ambiguous(Backend),
    #[error("{} rejected the entry ({detail})", .backend.describe())]
    Rejected { backend: Backend, detail: String },
}

/// Maps keyring's errors to ours. Details are keyring's own messages (no secret in them).
pub fn classify(backend: Backend, e: keyring::Error) -> StoreError {
    match e {
        keyring::Error::NoStorageAccess(d) => StoreError::Locked {
            backend,
            detail: one_line(&d.to_string()),
        },
        keyring::Error::PlatformFailure(d) => StoreError::Failed {
            backend,
            detail: one_line(&d.to_string()),
        },
        keyring::Error::BadEncoding(_) => StoreError::BadEncoding(backend),
        keyring::Error::Ambiguous(_) => StoreError::Ambiguous(backend),
        keyring::Error::TooLong(what, max) => StoreError::Rejected {
            backend,
            detail: format!("the {what} is longer than {max}"),
        },
        keyring::Error::Invalid(what, why) => StoreError::Rejected {
            backend,
            detail: format!("{what} {why}"),
        },
        // Callers handle NoEntry themselves; reaching here means an operation needed the entry.
        keyring::Error::NoEntry => StoreError::Failed {
            backend,
            detail: "no such entry".into(),
        },
        other => StoreError::Failed {
            backend,
            detail: one_line(&other.to_string()),
        },
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

type EntryFn = Box<dyn Fn(&str, &str) -> keyring::Result<Entry> + Send + Sync>;

/// One keyring backend, with entries named `service` / profile name.
pub struct Store {
    backend: Backend,
    service: String,
    entry: EntryFn,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("service", &self.service)
            .finish()
    }
}

impl Store {
    /// A store whose entries come from `entry(service, account)`: for tests with keyring's mock.
    pub fn with_entries(
        backend: Backend,
        service: &str,
        entry: impl Fn(&str, &str) -> keyring::Result<Entry> + Send + Sync + 'static,
    ) -> Store {
        Store {
            backend,
            service: service.to_owned(),
            entry: Box::new(entry),
        }
    }

    /// The real store of this backend, if this platform has it.
    pub fn open(backend: Backend, service: &str) -> Result<Store, StoreError> {
        let entry: EntryFn = match backend {
            Backend::Keyutils => keyutils_entries()?,
            Backend::SecretService => secret_service_entries()?,
            Backend::Native => native_entries()?,
            Backend::Mock => Box::new(|service, account| {
                let cred =
                    keyring::mock::default_credential_builder().build(None, service, account)?;
                Ok(Entry::new_with_credential(cred))
            }),
        };
        Ok(Store {
            backend,
            service: service.to_owned(),
            entry,
        })
    }

    /// The store to save new secrets in: `PINGSCOPE_KEYRING` if set, else the first backend
    /// that answers on this machine.
    pub fn choose() -> Result<Store, StoreError> {
        let service = service_name();
        if let Some(forced) = forced_backend()? {
            // Checked now, so login fails before asking for a secret it could not keep.
            return match forced {
                Some(b) => Store::open(b, &service).and_then(|s| s.probe().map(|()| s)),
                None => Err(StoreError::Unavailable(format!("{BACKEND_VAR}=none"))),
            };
        }
        let mut tried = Vec::new();
        for backend in candidates() {
            match Store::open(backend, &service) {
                Ok(store) => match store.probe() {
                    Ok(()) => return Ok(store),
                    Err(e) => tried.push(format!("{backend}: {e}")),
                },
                Err(e) => tried.push(format!("{backend}: {e}")),
            }
        }
        Err(StoreError::Unavailable(if tried.is_empty() {
            "none on this platform".into()
        } else {
            tried.join("; ")
        }))
    }

    /// The store that holds a profile's secret (`backend` as recorded at login), unless
    /// `PINGSCOPE_KEYRING` says otherwise.
    pub fn for_profile(backend: &str, service: &str) -> Result<Store, StoreError> {
        let backend = match forced_backend()? {
            Some(Some(b)) => b,
            Some(None) => return Err(StoreError::Unavailable(format!("{BACKEND_VAR}=none"))),
            None => Backend::parse(backend).ok_or_else(|| {
                StoreError::Unavailable(format!("unknown keyring backend {backend:?}"))
            })?,
        };
        Store::open(backend, service)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, account: &str) -> Result<Entry, StoreError> {
        (self.entry)(&self.service, account).map_err(|e| classify(self.backend, e))
    }

    /// Checks the backend answers (a lookup of an entry that need not exist).
    pub fn probe(&self) -> Result<(), StoreError> {
        self.get("__pingscope_probe__").map(|_| ())
    }

    /// The secret of `account`, or `None` when there is none.
    pub fn get(&self, account: &str) -> Result<Option<Secret>, StoreError> {
        match self.entry(account)?.get_password() {
            Ok(s) => Ok(Some(Secret::new(s))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(classify(self.backend, e)),
        }
    }

    pub fn set(&self, account: &str, secret: &Secret) -> Result<(), StoreError> {
        let entry = self.entry(account)?;
        entry.set_password(secret.expose()).map_err(|e| {
            // keyutils can add the key and then fail to link it: leave nothing behind.
            let _ = entry.delete_credential();
            classify(self.backend, e)
        })
    }

    /// Removes the secret; `false` when there was none.
    pub fn delete(&self, account: &str) -> Result<bool, StoreError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(classify(self.backend, e)),
        }
    }
}

/// The keyring service name: `PINGSCOPE_KEYRING_SERVICE` or `pingscope`.
pub fn service_name() -> String {
    std::env::var(SERVICE_VAR)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_SERVICE.to_owned())
}

/// `None`: not forced. `Some(None)`: forced off. `Some(Some(b))`: forced to `b`.
fn forced_backend() -> Result<Option<Option<Backend>>, StoreError> {
    let Ok(v) = std::env::var(BACKEND_VAR) else {
        return Ok(None);
    };
    if v.trim().is_empty() {
        return Ok(None);
    }
    if v.trim().eq_ignore_ascii_case("none") {
        return Ok(Some(None));
    }
    match Backend::parse(&v) {
        // keyring's mock forgets everything when the entry is dropped: unit tests only.
        Some(b) if b != Backend::Mock => Ok(Some(Some(b))),
        _ => Err(StoreError::Unavailable(format!(
            "{BACKEND_VAR}={v:?} is not one of secret-service, keyutils, native, none"
        ))),
    }
}

/// Backends worth trying here, best first.
fn candidates() -> Vec<Backend> {
    if cfg!(any(target_os = "macos", windows)) {
        return vec![Backend::Native];
    }
    let mut c = Vec::new();
    if cfg!(unix) && session_bus_likely() {
        c.push(Backend::SecretService);
    }
    if cfg!(target_os = "linux") {
        c.push(Backend::Keyutils);
    }
    c
}

/// A D-Bus session bus is configured (asking it when there is none can take seconds).
fn session_bus_likely() -> bool {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty())
}

#[cfg(target_os = "linux")]
fn keyutils_entries() -> Result<EntryFn, StoreError> {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    // keyring stores each secret in the session keyring and links it into the user's
    // persistent keyring, where it outlives this process (until reboot, or a few days unused).
    // A process started without a session keyring (containers, cron, CI) would only borrow
    // the user-session keyring, which it does not possess: linking into the persistent
    // keyring is then denied, and keyring reports that as "no entry". Joining a session
    // keyring of our own (a no-op when there is one already) avoids it.
    KeyRing::from_special_id(KeyRingIdentifier::Session, true).map_err(|e| {
        StoreError::Unavailable(format!("the kernel keyring cannot be opened: {e:?}"))
    })?;
    Ok(Box::new(|service, account| {
        let cred = keyring::keyutils::KeyutilsCredential::new_with_target(None, service, account)?;
        Ok(Entry::new_with_credential(Box::new(cred)))
    }))
}

#[cfg(not(target_os = "linux"))]
fn keyutils_entries() -> Result<EntryFn, StoreError> {
    Err(StoreError::Unavailable(
        "kernel keyutils exists on Linux only".into(),
    ))
}

#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
fn secret_service_entries() -> Result<EntryFn, StoreError> {
    Ok(Box::new(|service, account| {
        let cred = keyring::secret_service::SsCredential::new_with_target(None, service, account)?;
        Ok(Entry::new_with_credential(Box::new(cred)))
    }))
}

#[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
fn secret_service_entries() -> Result<EntryFn, StoreError> {
    Err(StoreError::Unavailable(
        "the Secret Service is for Linux and BSD desktops".into(),
    ))
}

#[cfg(any(target_os = "macos", windows))]
fn native_entries() -> Result<EntryFn, StoreError> {
    Ok(Box::new(|service, account| Entry::new(service, account)))
}

#[cfg(not(any(target_os = "macos", windows)))]
fn native_entries() -> Result<EntryFn, StoreError> {
    Err(StoreError::Unavailable(
        "no native keyring on this platform (use keyutils or secret-service)".into(),
    ))
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
