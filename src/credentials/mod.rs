//! Credentials and profiles: named connection settings in the config directory (never a
//! secret), client secrets in the OS keyring, and the key of the local store beside them. Nothing else: which environment a command
//! reads is `source`'s business, and the `login`/`logout`/`profiles` commands are the CLI's.

pub mod profiles;
pub mod store;
pub mod store_key;
