//! Entity addressing: any entity of the graph named by a [`Target`] (kind + index), and the
//! per-kind facts every view needs (count, id, name, status words), written once here so that a
//! new kind touches one file. Also name look-ups, which refuse to guess between namesakes.

use super::entities::Id;
use super::graph::*;

/// The kinds of entity, in the graph's order.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Kind {
    User,
    Group,
    Role,
    App,
    Population,
    Gateway,
}

/// Number of kinds: the length of [`Kind::ALL`].
pub(crate) const KINDS: usize = 6;

impl Kind {
    pub const ALL: [Kind; KINDS] = [
        Kind::User,
        Kind::Group,
        Kind::Role,
        Kind::App,
        Kind::Population,
        Kind::Gateway,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
            Kind::Role => "Role",
            Kind::App => "App",
            Kind::Population => "Population",
            Kind::Gateway => "Gateway",
        }
    }
}

/// One entity of the graph: its kind and its index in that kind's arena.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Target {
    pub kind: Kind,
    pub ix: u32,
}

macro_rules! target_from {
    ($($ix:ty => $kind:ident),+) => {$(
        impl From<$ix> for Target {
            fn from(ix: $ix) -> Target {
                Target { kind: Kind::$kind, ix: ix.0 }
            }
        }
    )+};
}

target_from!(
    UserIx => User, GroupIx => Group, RoleIx => Role, AppIx => App, PopIx => Population,
    GatewayIx => Gateway
);

impl Kind {
    /// The kind's plural title: "Users", "Applications", ...
    pub fn title(self) -> &'static str {
        match self {
            Kind::User => "Users",
            Kind::Group => "Groups",
            Kind::Role => "Roles",
            Kind::App => "Applications",
            Kind::Population => "Populations",
            Kind::Gateway => "Gateways",
        }
    }

    /// The kind's noun in messages and JSON: "user", "application", ...
    pub fn noun(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Role => "role",
            Kind::App => "application",
            Kind::Population => "population",
            Kind::Gateway => "gateway",
        }
    }
}

impl Graph {
    /// "ANY_GROUP of Engineering, Sales + ADMIN_USERS_ONLY", "open to every user", ...
    pub fn policy_text(&self, a: AppIx) -> String {
        use super::graph::{GroupMatch, RolePolicy};
        let p = &self.app_policies[a.ix()];
        if self.app(a).nobody_signs_on() {
            return format!(
                "no user sign-on (grant types {}: nobody signs on)",
                self.app(a).grant_types.join(", ")
            );
        }
        if p.is_open() {
            return "open to every user".into();
        }
        let mut parts = Vec::new();
        if let Some(g) = &p.group {
            let rule = match &g.rule {
                GroupMatch::Any => "ANY_GROUP".to_owned(),
                GroupMatch::All => "ALL_GROUPS".to_owned(),
                GroupMatch::Unknown(t) => t.to_string(),
            };
            let names: Vec<String> = g.groups.iter().map(|r| self.group_ref_name(r)).collect();
            parts.push(format!("{rule} of {}", names.join(", ")));
        }
        match &p.role {
            RolePolicy::None => {}
            RolePolicy::AdminUsersOnly => parts.push("ADMIN_USERS_ONLY".into()),
            RolePolicy::Unknown(t) => parts.push(t.to_string()),
        }
        parts.join(" + ")
    }

    /// A line about an entity beside its name (the second column of a list): a user's name
    /// with the flags never to miss and the MFA label, a group's member count, a role's kind,
    /// an application's or gateway's type (DISABLED first), a population's size. Sanitised.
    pub fn summary(&self, t: Target) -> String {
        let ix = t.ix as usize;
        match t.kind {
            // The name, the flags never to miss (DISABLED, LOCKED), the MFA label: the words of
            // `User::status_facts`, "enabled" left out to keep the column short.
            Kind::User => self.users.get(ix).map(|u| {
                let mut parts =
                    vec![super::text::sanitize(&u.display_name().unwrap_or_default()).into_owned()];
                parts.extend(
                    u.status_facts()
                        .into_iter()
                        .filter(|f| *f != "enabled")
                        .map(String::from),
                );
                parts.retain(|p| !p.is_empty());
                parts.join(" · ")
            }),
            Kind::Group => Some(format!("{} members", self.group_users(GroupIx(t.ix)).len())),
            // The holder summary is computed once, when the list is built (`Note::Reason`).
            Kind::Role => self.roles.get(ix).map(|r| r.kind_label().to_owned()),
            // A flag first (DISABLED), so a narrow column never cuts it.
            Kind::App => self.apps.get(ix).map(|a| {
                let kind = super::text::sanitize(a.kind.as_str()).into_owned();
                if a.enabled {
                    kind
                } else {
                    format!("DISABLED · {kind}")
                }
            }),
            Kind::Gateway => self.gateways.get(ix).map(|x| {
                let kind = super::text::sanitize(x.type_label()).into_owned();
                if x.enabled {
                    kind
                } else {
                    format!("DISABLED · {kind}")
                }
            }),
            Kind::Population => Some(format!(
                "{} users",
                self.population_users(PopIx(t.ix)).len()
            )),
        }
        .unwrap_or_default()
    }

    /// How many entities of a kind the graph holds.
    pub fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::User => self.users.len(),
            Kind::Group => self.groups.len(),
            Kind::Role => self.roles.len(),
            Kind::App => self.apps.len(),
            Kind::Population => self.populations.len(),
            Kind::Gateway => self.gateways.len(),
        }
    }

    /// The entity's id, or `None` for an index out of range.
    pub fn target_id(&self, t: Target) -> Option<&Id> {
        let ix = t.ix as usize;
        match t.kind {
            Kind::User => self.users.get(ix).map(|x| &x.id),
            Kind::Group => self.groups.get(ix).map(|x| &x.id),
            Kind::Role => self.roles.get(ix).map(|x| &x.id),
            Kind::App => self.apps.get(ix).map(|x| &x.id),
            Kind::Population => self.populations.get(ix).map(|x| &x.id),
            Kind::Gateway => self.gateways.get(ix).map(|x| &x.id),
        }
    }

    /// The entity of a kind with this id.
    pub fn target_by_id(&self, kind: Kind, id: &Id) -> Option<Target> {
        match kind {
            Kind::User => self.user_by_id(id).map(Target::from),
            Kind::Group => self.group_by_id(id).map(Target::from),
            Kind::Role => self.role_by_id(id).map(Target::from),
            Kind::App => self.app_by_id(id).map(Target::from),
            Kind::Population => self.population_by_id(id).map(Target::from),
            Kind::Gateway => self.gateway_by_id(id).map(Target::from),
        }
    }

    /// The name a list shows first (username for users; unsanitised), empty when out of range.
    pub fn target_name(&self, t: Target) -> &str {
        let ix = t.ix as usize;
        match t.kind {
            Kind::User => self.users.get(ix).map(|u| u.username.as_str()),
            Kind::Group => self.groups.get(ix).map(|g| g.name.as_str()),
            Kind::Role => self.roles.get(ix).map(|r| r.name.as_str()),
            Kind::App => self.apps.get(ix).map(|a| a.name.as_str()),
            Kind::Population => self.populations.get(ix).map(|p| p.name.as_str()),
            Kind::Gateway => self.gateways.get(ix).map(|g| g.name.as_str()),
        }
        .unwrap_or_default()
    }

    /// The status words shown wherever the entity appears, in the same words everywhere:
    /// users "enabled"/"DISABLED", the MFA label, "LOCKED"; applications and gateways
    /// "enabled"/"DISABLED"; roles "built-in"/"custom". Empty for kinds without a status.
    pub fn target_status(&self, t: Target) -> Vec<&'static str> {
        let ix = t.ix as usize;
        match t.kind {
            Kind::User => self.users.get(ix).map(|u| u.status_facts()),
            Kind::App => self.apps.get(ix).map(|a| vec![a.status_word()]),
            Kind::Gateway => self.gateways.get(ix).map(|g| vec![g.status_word()]),
            Kind::Role => self.roles.get(ix).map(|r| vec![r.kind_label()]),
            Kind::Group | Kind::Population => None,
        }
        .unwrap_or_default()
    }

    /// Is the entity switched off (a disabled user, application or gateway)?
    pub fn is_disabled(&self, t: Target) -> bool {
        let ix = t.ix as usize;
        match t.kind {
            Kind::User => self.users.get(ix).is_some_and(|u| !u.enabled),
            Kind::App => self.apps.get(ix).is_some_and(|a| !a.enabled),
            Kind::Gateway => self.gateways.get(ix).is_some_and(|g| !g.enabled),
            _ => false,
        }
    }

    /// Finds one entity of a kind by id or by name: usernames, e-mail addresses (users) and
    /// names compare exactly, then case-insensitively. A name shared by several entities is an
    /// error listing them with their ids, never a silent pick.
    pub fn lookup(&self, kind: Kind, key: &str) -> Result<Target, LookupError> {
        if let Some(t) = self.target_by_id(kind, &Id::new(key)) {
            return Ok(t);
        }
        let n = self.count(kind) as u32;
        let targets = (0..n).map(|ix| Target { kind, ix });
        let names = |t: &Target| -> [Option<&str>; 2] {
            match kind {
                Kind::User => {
                    let u = &self.users[t.ix as usize];
                    [Some(u.username.as_str()), u.email.as_deref()]
                }
                _ => [Some(self.target_name(*t)), None],
            }
        };
        let exact: Vec<Target> = targets
            .clone()
            .filter(|t| names(t).iter().flatten().any(|n| *n == key))
            .collect();
        let found = if exact.is_empty() {
            let folded = key.to_lowercase();
            targets
                .filter(|t| {
                    names(t)
                        .iter()
                        .flatten()
                        .any(|n| n.to_lowercase() == folded)
                })
                .collect()
        } else {
            exact
        };
        match found.as_slice() {
            [t] => Ok(*t),
            [] => Err(LookupError::NotFound {
                kind,
                key: key.to_owned(),
                suggestions: self.closest(kind, key, 3),
            }),
            many => Err(LookupError::Ambiguous {
                kind,
                key: key.to_owned(),
                candidates: many
                    .iter()
                    .map(|&t| Candidate {
                        name: self.target_name(t).to_owned(),
                        id: self.target_id(t).map(Id::to_string).unwrap_or_default(),
                        note: self.target_status(t).join(", "),
                    })
                    .collect(),
            }),
        }
    }
}

impl Graph {
    /// Up to `n` names of `kind` closest to `key` (usernames, e-mails and display names for
    /// users; names for the rest), best first: a name that contains the key, then by
    /// Jaro-Winkler similarity of at least 0.85, case-insensitively. For "did you mean".
    pub fn closest(&self, kind: Kind, key: &str, n: usize) -> Vec<String> {
        let key = key.trim().to_lowercase();
        if key.is_empty() {
            return Vec::new();
        }
        let score = |text: &str| -> f64 {
            let t = text.to_lowercase();
            if t.contains(&key) {
                // Closer in length is better.
                2.0 - (t.len() - key.len()) as f64 / t.len().max(1) as f64
            } else {
                strsim::jaro_winkler(&t, &key)
            }
        };
        let mut best: Vec<(f64, u32)> = Vec::new();
        for ix in 0..self.count(kind) as u32 {
            let t = Target { kind, ix };
            let s = match kind {
                Kind::User => {
                    let u = &self.users[ix as usize];
                    let local = u.email.as_deref().and_then(|e| e.split('@').next());
                    let display = u.display_name();
                    [Some(u.username.as_str()), local, display.as_deref()]
                        .into_iter()
                        .flatten()
                        .map(score)
                        .fold(0.0, f64::max)
                }
                _ => score(self.target_name(t)),
            };
            if s >= 0.85 {
                best.push((s, ix));
            }
        }
        best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        best.into_iter()
            .take(n)
            .map(|(_, ix)| self.target_name(Target { kind, ix }).to_owned())
            .collect()
    }
}

/// One of several entities a name matched.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Candidate {
    pub name: String,
    pub id: String,
    /// Status words ("custom", "DISABLED", ...), to tell namesakes apart.
    pub note: String,
}

/// Why a look-up by name found no single entity.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum LookupError {
    NotFound {
        kind: Kind,
        key: String,
        /// The closest names (usernames for users), best first: "did you mean".
        suggestions: Vec<String>,
    },
    Ambiguous {
        kind: Kind,
        key: String,
        candidates: Vec<Candidate>,
    },
}

impl LookupError {
    /// "; did you mean "X" or "Y"?" after a miss with near names, else empty.
    pub fn hint(&self) -> String {
        match self {
            LookupError::NotFound { suggestions, .. } if !suggestions.is_empty() => {
                let quoted: Vec<String> = suggestions
                    .iter()
                    .map(|s| format!("{:?}", super::text::sanitize(s)))
                    .collect();
                format!("; did you mean {}?", quoted.join(" or "))
            }
            _ => String::new(),
        }
    }
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::NotFound { kind, key, .. } => {
                let what = match kind {
                    Kind::User => "id, username or e-mail",
                    _ => "id or name",
                };
                write!(f, "no {} with {what} {key:?}", kind.noun())
            }
            LookupError::Ambiguous {
                kind,
                key,
                candidates,
            } => {
                let list: Vec<String> = candidates
                    .iter()
                    .map(|c| {
                        if c.note.is_empty() {
                            format!("{} (id {})", c.name, c.id)
                        } else {
                            format!("{} ({}, id {})", c.name, c.note, c.id)
                        }
                    })
                    .collect();
                write!(
                    f,
                    "{key:?} names {} {}s: {}; give the id instead",
                    candidates.len(),
                    kind.noun(),
                    list.join("; ")
                )
            }
        }
    }
}

impl std::error::Error for LookupError {}
