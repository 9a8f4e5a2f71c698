//! Resumable loads. Every entity a per-entity stage reads is handed to a [`Journal`] as it
//! arrives (the store appends it to the environment's checkpoint); a later load of the same
//! environment gets those reads back as a [`Prior`] and asks PingOne only for the rest. The
//! collections (users, groups, ...) are read again: they are a few pages per thousand entities,
//! and they say which entities still exist (a refresh, which knows from the audit log which users
//! changed, reads just those instead of listing every user: [`KnownUsers`]). A prior read of an
//! entity that is gone is never used.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::*;

/// One entity's read, as its stage got it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Done {
    /// A group's parents (nesting).
    Parents(Vec<Ref>),
    /// Role assignments of a user, group, application or gateway.
    Roles(Vec<RoleAssignment>),
    /// A user's memberships.
    Memberships(Vec<Membership>),
}

/// Receives every entity read while a load runs.
pub trait Journal: Send + Sync {
    fn record(&self, stage: Stage, id: &Id, done: &Done);
    /// A stage ended: a moment to make what was recorded durable.
    fn flush(&self) {}
}

/// What an earlier, interrupted load of the same environment read.
#[derive(Debug, Default)]
pub struct Prior {
    done: HashMap<(Stage, Id), Done>,
    /// The users as a stored snapshot holds them, when only some are to be read again (a
    /// refresh): the load reads those one by one instead of listing every user.
    pub users: Option<Box<KnownUsers>>,
    /// The groups listing a refresh read a moment before the load (checking the groups the
    /// audit log names): the load takes it instead of listing them again.
    pub groups: Option<Box<super::super::wire::Listing>>,
}

/// The users a load need not list: every stored one, and those to read again.
#[derive(Debug, Default)]
pub struct KnownUsers {
    /// The stored users, without their per-entity reads (those come through the [`Prior`]).
    pub stored: Vec<User>,
    /// The users to read again (`GET /users/{id}`), new ones too; one that answers 404 is gone.
    pub reread: Vec<Id>,
}

impl Prior {
    pub fn insert(&mut self, stage: Stage, id: Id, done: Done) {
        self.done.insert((stage, id), done);
    }

    pub fn len(&self) -> usize {
        self.done.len()
    }

    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }

    /// How many reads of `stage` it holds.
    pub fn count(&self, stage: Stage) -> usize {
        self.done.keys().filter(|(s, _)| *s == stage).count()
    }

    /// The read of `id` in `stage` it holds.
    pub fn done(&self, stage: Stage, id: &Id) -> Option<&Done> {
        self.done.get(&(stage, id.clone()))
    }

    pub(super) fn get<T: Journaled>(&self, stage: Stage, id: &Id) -> Option<Vec<T>> {
        self.done(stage, id).and_then(T::from_done)
    }

    /// Adds `other`'s reads (theirs win where both read an entity).
    pub(super) fn extend(&mut self, other: Prior) {
        self.done.extend(other.done);
    }
}

/// Where a load gets earlier reads from and sends its own.
#[derive(Clone, Copy, Default)]
pub struct Resume<'a> {
    pub prior: Option<&'a Prior>,
    pub journal: Option<&'a dyn Journal>,
    /// Per-entity reads to make at once, while the collections are read, instead of in their
    /// stages: a refresh knows what it must read again before the collections say who exists.
    pub ahead: &'a [(Stage, Id)],
    /// Reads ahead a caller started before the load (a refresh, while it checked the audit
    /// log's groups): taken like `ahead`'s.
    pub started: Option<&'a super::ahead::Ahead>,
    /// What this load read ahead: set by the loader once those reads are done (callers leave
    /// it `None`).
    pub early: Option<&'a Prior>,
}

impl Resume<'_> {
    pub(super) fn get<T: Journaled>(&self, stage: Stage, id: &Id) -> Option<Vec<T>> {
        if let Some(items) = self.prior.and_then(|p| p.get(stage, id)) {
            return Some(items);
        }
        // Read by this load ahead of its stage: recorded now, as the stage would.
        let items = self.early.and_then(|p| p.get(stage, id))?;
        Some(self.record(stage, id, items))
    }

    /// Records `items` (read for `id`) and gives them back.
    pub(super) fn record<T: Journaled>(&self, stage: Stage, id: &Id, items: Vec<T>) -> Vec<T> {
        match self.journal {
            None => items,
            Some(j) => {
                let done = T::into_done(items);
                j.record(stage, id, &done);
                T::from_done_owned(done)
            }
        }
    }

    pub(super) fn flush(&self) {
        if let Some(j) = self.journal {
            j.flush();
        }
    }
}

/// The item types a stage reads, and their [`Done`] form.
pub trait Journaled: Sized + Clone {
    fn into_done(items: Vec<Self>) -> Done;
    fn from_done(done: &Done) -> Option<Vec<Self>>;
    fn from_done_owned(done: Done) -> Vec<Self>;
}

macro_rules! journaled {
    ($t:ty, $variant:ident) => {
        impl Journaled for $t {
            fn into_done(items: Vec<Self>) -> Done {
                Done::$variant(items)
            }
            fn from_done(done: &Done) -> Option<Vec<Self>> {
                match done {
                    Done::$variant(v) => Some(v.clone()),
                    _ => None,
                }
            }
            fn from_done_owned(done: Done) -> Vec<Self> {
                match done {
                    Done::$variant(v) => v,
                    _ => Vec::new(),
                }
            }
        }
    };
}

journaled!(Ref, Parents);
journaled!(RoleAssignment, Roles);
journaled!(Membership, Memberships);
