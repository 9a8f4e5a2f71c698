//! pingscope: who has what, and why, in a PingOne environment.
//!
//! `model` is the pure core (snapshot, graph, access, search); `demo` generates believable
//! environments of any size; `cli` renders answers for scripts and people.

pub mod cli;
pub mod credentials;
pub mod demo;
pub mod model;
pub mod pingone;
pub mod source;
pub mod tui;
