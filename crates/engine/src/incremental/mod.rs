//! Incremental reading: a backup that has a sound previous archive of the same tenant reads
//! from Odoo only what changed since (each model's ids, the records written since, the fields
//! `write_date` does not cover) and copies the rest from that archive, so that every archive
//! stays complete and restorable on its own. See `docs/ARCHITECTURE.md` for the rule and its
//! blind spots, [`changes`] for the rule itself.

pub mod changes;
mod compare;
pub(crate) mod previous;

use std::path::{Path, PathBuf};

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

/// The newest finished archive of the tenant `code` in `directory` (names sort by time), if any.
pub fn newest_archive(directory: &Path, code: &str) -> std::io::Result<Option<PathBuf>> {
    let prefix = format!("backup_{code}_");
    let mut newest: Option<String> = None;
    let entries = match std::fs::read_dir(directory) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        other => other?,
    };
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let finished = name.ends_with(".zip") || name.ends_with(".zip.age");
        // The code is followed by the stamp alone: `shop` must not take `shop-paris`'s.
        let stamp = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split('.').next())
            .is_some_and(|stamp| stamp.len() == 15 && !stamp.contains('-'));
        if finished && stamp && newest.as_ref().is_none_or(|newest| name > *newest) {
            newest = Some(name);
        }
    }
    Ok(newest.map(|name| directory.join(name)))
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
