//! Credentials and profiles: named connection settings in the config directory (never a
//! secret), and client secrets in the OS keyring. Nothing else: which environment a command
//! reads is `source`'s business, and the `login`/`logout`/`profiles` commands are the CLI's.

pub mod profiles;
pub mod store;
