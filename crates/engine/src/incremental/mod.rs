//! Incremental reading: a backup that has a sound previous archive of the same tenant reads
//! from Odoo only what changed since (each model's ids, the records written since, the fields
//! `write_date` does not cover) and copies the rest from that archive, so that every archive
//! stays complete and restorable on its own. See `docs/ARCHITECTURE.md` for the rule and its
//! blind spots, [`changes`] for the rule itself.

pub mod changes;
mod compare;
pub(crate) mod previous;

use std::path::PathBuf;

pub use compare::{ArchiveDifference, compare_archives};

/// When a backup may read incrementally.
#[derive(Clone, Debug)]
pub struct IncrementalOptions {
    /// The archive to copy unchanged records from; `None` reads everything.
    pub previous: Option<PathBuf>,
    /// A full read is forced once the last one is this old.
    pub full_read_every: chrono::Duration,
    /// See [`changes::cutoff`].
    pub margin: chrono::Duration,
}

/// A full read every week by default.
pub const DEFAULT_FULL_READ_DAYS: i64 = 7;

impl Default for IncrementalOptions {
    fn default() -> Self {
        IncrementalOptions {
            previous: None,
            full_read_every: chrono::Duration::days(DEFAULT_FULL_READ_DAYS),
            margin: changes::DEFAULT_MARGIN,
        }
    }
}
