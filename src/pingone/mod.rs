//! The PingOne Management API client and the staged loader. Knows HTTP; knows nothing of
//! screens. Read-only by construction: the client offers GET, and the token request is the only
//! POST it can make.

pub mod auth;
pub mod config;
pub mod error;
pub mod http;
pub mod limiter;
pub mod loader;
pub mod refresh;
pub mod region;
pub mod wire;

pub use config::{AuthMethod, Connection, MembershipPlan, Tuning};
pub use error::{ApiError, Secret};
pub use http::Client;
pub use loader::{LoadEvent, load, load_with_partials};
pub use region::{Region, parse_token_endpoint};
