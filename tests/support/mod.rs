//! Helpers shared by integration tests.

pub mod cred;
pub mod mock;
