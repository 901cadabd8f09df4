//! Progress on the command line, of a backup and of a restore alike: a bar on a terminal,
//! plain log lines otherwise.

use std::sync::Mutex;
use std::time::Instant;

use backup_engine::{Progress, ProgressSink};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tenant_restore::{RestoreProgress, RestoreProgressSink};

pub struct CliProgress {
    bar: Option<ProgressBar>,
    started: Instant,
    /// Records written so far, and the count at the last log line (plain mode).
    state: Mutex<(u64, u64, u64)>,
}

impl CliProgress {
    pub fn new(terminal: bool) -> Self {
        let bar = terminal.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} records ({per_sec}) {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        CliProgress {
            bar,
            started: Instant::now(),
            state: Mutex::new((0, 0, 0)),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn log(&self, line: &str) {
        eprintln!("[{:>7.1}s] {line}", self.started.elapsed().as_secs_f64());
    }
}

impl ProgressSink for CliProgress {
    fn report(&self, progress: Progress<'_>) {
        match (&self.bar, progress) {
            (Some(bar), Progress::Step(step)) => bar.set_message(step.to_owned()),
            (Some(bar), Progress::Planned { records, .. }) => bar.set_length(records),
            (Some(bar), Progress::Model { model, .. }) => bar.set_message(model.to_owned()),
            (Some(bar), Progress::Records { count, .. }) => bar.inc(count),
            (Some(bar), Progress::Finishing) => bar.set_message("closing the archive"),
            (None, Progress::Step(step)) => self.log(step),
            (None, Progress::Planned { models, records }) => {
                if let Ok(mut state) = self.state.lock() {
                    state.2 = records;
                }
                self.log(&format!("{records} records in {models} models to back up"));
            }
            (None, Progress::Model { model, records }) => {
                self.log(&format!("{model}: {records} records"))
            }
            (None, Progress::Records { count, .. }) => {
                // A line every tenth of the way, so a long model shows it is alive.
                let mut state = self
                    .state
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                state.0 += count;
                let step = (state.2 / 10).max(10_000);
                if state.0 - state.1 >= step {
                    state.1 = state.0;
                    let (done, total) = (state.0, state.2);
                    drop(state);
                    self.log(&format!("{done}/{total} records written"));
                }
            }
            (None, Progress::Finishing) => self.log("closing the archive"),
        }
    }
}

impl RestoreProgressSink for CliProgress {
    fn report(&self, progress: RestoreProgress<'_>) {
        match (&self.bar, progress) {
            (Some(bar), RestoreProgress::Step(step)) => bar.set_message(step.to_owned()),
            (
                Some(bar),
                RestoreProgress::Planned {
                    creates, updates, ..
                },
            ) => bar.set_length(creates + updates),
            (Some(bar), RestoreProgress::SafetyBackup) => bar.set_message("safety backup"),
            (Some(bar), RestoreProgress::Model { model, .. }) => bar.set_message(model.to_owned()),
            (Some(bar), RestoreProgress::Records { count, .. }) => bar.inc(count),
            (Some(bar), RestoreProgress::Finished) => bar.set_message("done"),
            (None, RestoreProgress::Step(step)) => self.log(step),
            (
                None,
                RestoreProgress::Planned {
                    models,
                    creates,
                    updates,
                },
            ) => self.log(&format!(
                "{creates} records to create and {updates} to update in {models} models"
            )),
            (None, RestoreProgress::SafetyBackup) => self.log("taking the safety backup"),
            (
                None,
                RestoreProgress::Model {
                    model,
                    creates,
                    updates,
                },
            ) => self.log(&format!(
                "{model}: {creates} to create, {updates} to update"
            )),
            (None, RestoreProgress::Records { count, .. }) => {
                let mut state = self
                    .state
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                state.0 += count;
            }
            (None, RestoreProgress::Finished) => {
                let done = self
                    .state
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .0;
                self.log(&format!("{done} records written"))
            }
        }
    }
}
