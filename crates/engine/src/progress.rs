//! Progress of a running backup, for a progress bar, log lines or a job status.

/// One step of a backup's progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress<'a> {
    /// A planning step (discovering models, collecting ids...).
    Step(&'a str),
    /// Planning is done: this many models and records will be read.
    Planned { models: usize, records: u64 },
    /// A model's export starts.
    Model { model: &'a str, records: u64 },
    /// Records of the current model were written to the archive.
    Records { model: &'a str, count: u64 },
    /// Every record is read; the archive is being closed, synced and published.
    Finishing,
}

/// Receives progress. Called from the backup's task: keep it quick.
pub trait ProgressSink: Send + Sync {
    fn report(&self, progress: Progress<'_>);
}

/// Ignores progress.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn report(&self, _progress: Progress<'_>) {}
}
