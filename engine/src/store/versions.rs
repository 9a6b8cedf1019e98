//! What the version and alias operations of [`super::Store`] take and return.
//!
//! A *version* is a published, immutable snapshot of a state machine: a number (1, 2, …,
//! never reused for a name, not even after the machine is deleted and created again)
//! naming one of the machine's revisions. A published revision counts as a use of it, as
//! an execution does, so it is kept until the version is deleted. An *alias* routes starts
//! to one or two versions of its machine by weight. Both are deleted with their machine.

use serde::{Deserialize, Serialize};

/// The most versions a state machine may have (AWS's quota).
pub const MAX_VERSIONS: usize = 1000;
/// The most aliases a state machine may have (AWS's quota).
pub const MAX_ALIASES: usize = 100;

/// A published version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRecord {
    /// 1, 2, … per state machine name, never reused.
    pub version: u32,
    /// The revision it pins.
    pub revision: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created_ms: i64,
}

/// What to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishRequest {
    /// Publish only when the latest revision is this one.
    pub revision: Option<u32>,
    pub description: Option<String>,
    pub created_ms: i64,
}

/// What publishing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    /// A new version of the latest revision.
    Published(VersionRecord),
    /// The latest revision already had this version: nothing changed.
    Existing(VersionRecord),
    NoStateMachine,
    /// The latest revision is not the one asked for: nothing changed.
    RevisionMismatch {
        latest: u32,
    },
    /// The machine has [`MAX_VERSIONS`] versions: nothing changed.
    TooMany,
}

/// One route of an alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub version: u32,
    /// Percent of the starts (the routes' weights add up to 100).
    pub weight: u32,
}

/// An alias of a state machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasRecord {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub routes: Vec<Route>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// Create an alias or replace one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasWrite {
    /// Only when the name is free.
    Create,
    /// Only when the alias exists.
    Update,
}

/// What writing an alias did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AliasOutcome {
    Stored,
    /// Create: the name is taken by this alias. Nothing changed.
    Taken(AliasRecord),
    NoStateMachine,
    /// Update: no such alias.
    NoAlias,
    /// A route names a version that does not exist. Nothing changed.
    NoVersion(u32),
    /// The machine has [`MAX_ALIASES`] aliases: nothing changed.
    TooMany,
}

/// What deleting a version did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionDeleted {
    Deleted,
    /// No such version (or machine): nothing to do.
    Absent,
    /// An alias routes to it: nothing changed.
    Aliased(String),
}
