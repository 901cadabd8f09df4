//! Progress of a restore, for a progress bar, log lines or a job status.

/// One step of a restore's progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestoreProgress<'a> {
    /// A planning step (verifying the archive, reading the current records...).
    Step(&'a str),
    /// The plan is made: this many records will be created and updated.
    Planned {
        models: usize,
        creates: u64,
        updates: u64,
    },
    /// The safety backup starts (its own progress is reported as steps).
    SafetyBackup,
    /// A model's writes start.
    Model {
        model: &'a str,
        creates: u64,
        updates: u64,
    },
    /// Records of the current model were created or updated (or failed: they count too).
    Records { model: &'a str, count: u64 },
    /// Every planned write is done.
    Finished,
}

/// Receives progress. Called from the restore's task: keep it quick.
pub trait RestoreProgressSink: Send + Sync {
    fn report(&self, progress: RestoreProgress<'_>);
}

/// Ignores progress.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRestoreProgress;

impl RestoreProgressSink for NoRestoreProgress {
    fn report(&self, _progress: RestoreProgress<'_>) {}
}

/// Forwards the safety backup's progress as restore steps.
pub(crate) struct SafetyBackupProgress<'a>(pub &'a dyn RestoreProgressSink);

impl backup_engine::ProgressSink for SafetyBackupProgress<'_> {
    fn report(&self, progress: backup_engine::Progress<'_>) {
        match progress {
            backup_engine::Progress::Step(step) => self.0.report(RestoreProgress::Step(step)),
            backup_engine::Progress::Finishing => self
                .0
                .report(RestoreProgress::Step("closing the safety backup")),
            _ => {}
        }
    }
}
