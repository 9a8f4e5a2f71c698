//! The pure model of one PingOne environment: entities, the snapshot and its file format, the
//! graph, effective access with explanations, and search. No I/O beyond reading and writing a
//! snapshot file; no async, network or terminal code.

pub mod access;
pub mod address;
pub mod audit;
pub mod diff;
pub mod entities;
pub mod explain;
pub mod graph;
mod id;
pub mod search;
pub mod snapshot;
#[cfg(test)]
mod snapshot_checks;
pub mod text;
mod textenum;

pub use access::{Access, EffectiveGroups, Grants, Holders, Members, WhoCan};
pub use address::{Candidate, LookupError};
pub use address::{Kind, Target};
pub use entities::*;
pub use explain::{Hop, Link, Node, Path, Refusal};
pub use graph::{AppIx, AssignIx, GatewayIx, Graph, GroupIx, PopIx, Principal, RoleIx, UserIx};
pub use snapshot::{Coverage, Gap, Head, Meta, Snapshot, SnapshotError, Source, Stage, StageState};
