//! Progress on the command line: a bar on a terminal, plain log lines otherwise.

use std::sync::Mutex;
use std::time::Instant;

use backup_engine::{Progress, ProgressSink};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

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
