//! `/metrics` in Prometheus' text exposition format (version 0.0.4), written by hand: a few
//! gauges, counters and two histograms do not need a metrics library.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use crate::wire::{JobKind, JobState};

const DURATION_BUCKETS: [f64; 8] = [1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 14400.0];
const SIZE_BUCKETS: [f64; 7] = [1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

#[derive(Clone, Debug, Default)]
struct Histogram {
    /// Cumulative counts per bucket bound, as exposed.
    buckets: Vec<u64>,
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, bounds: &[f64], value: f64) {
        if self.buckets.len() != bounds.len() {
            self.buckets = vec![0; bounds.len()];
        }
        for (bucket, bound) in self.buckets.iter_mut().zip(bounds) {
            if value <= *bound {
                *bucket += 1;
            }
        }
        self.count += 1;
        self.sum += value;
    }

    fn write(&self, out: &mut String, name: &str, labels: &str, bounds: &[f64]) {
        let separator = if labels.is_empty() { "" } else { "," };
        for (index, bound) in bounds.iter().enumerate() {
            let count = self.buckets.get(index).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{separator}le=\"{bound}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{separator}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

#[derive(Debug, Default)]
struct State {
    durations: BTreeMap<(&'static str, &'static str), Histogram>,
    sizes: Histogram,
    last_success: BTreeMap<String, i64>,
    last_size: BTreeMap<String, u64>,
    mails: BTreeMap<&'static str, u64>,
    max_running: usize,
    retention_deleted: u64,
    /// Per bucket: copies stored, copy attempts that failed, copies waiting now.
    copies_stored: BTreeMap<String, u64>,
    copy_failures: BTreeMap<String, u64>,
    copies_waiting: BTreeMap<String, u64>,
}

/// The counters the service keeps; jobs by state are counted at scrape time.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    state: Mutex<State>,
}

/// What the job manager knows at scrape time.
pub(crate) struct JobSnapshot {
    pub(crate) by_kind_and_state: BTreeMap<(JobKind, JobState), u64>,
    pub(crate) running: usize,
    pub(crate) limit: usize,
}

fn kind_name(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Backup => "backup",
        JobKind::Restore => "restore",
    }
}

impl Metrics {
    pub(crate) fn job_finished(&self, kind: JobKind, state: JobState, seconds: f64) {
        let mut metrics = self.state.lock().expect("metrics lock");
        metrics
            .durations
            .entry((kind_name(kind), state.name()))
            .or_default()
            .observe(&DURATION_BUCKETS, seconds);
    }

    pub(crate) fn backup_succeeded(&self, tenant_code: &str, finished_unix: i64, size: u64) {
        let mut metrics = self.state.lock().expect("metrics lock");
        metrics.sizes.observe(&SIZE_BUCKETS, size as f64);
        Self::remember_success(&mut metrics, tenant_code, finished_unix, size);
    }

    /// A success known from the store at start, so the gauge survives a restart.
    pub(crate) fn seed_success(&self, tenant_code: &str, finished_unix: i64, size: u64) {
        let mut metrics = self.state.lock().expect("metrics lock");
        Self::remember_success(&mut metrics, tenant_code, finished_unix, size);
    }

    fn remember_success(metrics: &mut State, tenant_code: &str, finished_unix: i64, size: u64) {
        let last = metrics
            .last_success
            .entry(tenant_code.to_owned())
            .or_insert(0);
        if finished_unix >= *last {
            *last = finished_unix;
            metrics.last_size.insert(tenant_code.to_owned(), size);
        }
    }

    pub(crate) fn mail(&self, sent: bool) {
        let mut metrics = self.state.lock().expect("metrics lock");
        *metrics
            .mails
            .entry(if sent { "sent" } else { "failed" })
            .or_default() += 1;
    }

    pub(crate) fn running(&self, running: usize) {
        let mut metrics = self.state.lock().expect("metrics lock");
        metrics.max_running = metrics.max_running.max(running);
    }

    pub(crate) fn retention_deleted(&self, count: u64) {
        self.state.lock().expect("metrics lock").retention_deleted += count;
    }

    /// Known buckets are shown at 0 before anything happened to them.
    pub(crate) fn buckets(&self, names: &[String]) {
        let mut metrics = self.state.lock().expect("metrics lock");
        for name in names {
            metrics.copies_stored.entry(name.clone()).or_default();
            metrics.copy_failures.entry(name.clone()).or_default();
            metrics.copies_waiting.entry(name.clone()).or_default();
        }
    }

    pub(crate) fn copy_stored(&self, bucket: &str) {
        *self
            .state
            .lock()
            .expect("metrics lock")
            .copies_stored
            .entry(bucket.to_owned())
            .or_default() += 1;
    }

    pub(crate) fn copy_failed(&self, bucket: &str) {
        *self
            .state
            .lock()
            .expect("metrics lock")
            .copy_failures
            .entry(bucket.to_owned())
            .or_default() += 1;
    }

    pub(crate) fn copies_waiting(&self, bucket: &str, count: u64) {
        self.state
            .lock()
            .expect("metrics lock")
            .copies_waiting
            .insert(bucket.to_owned(), count);
    }

    /// The highest number of jobs seen running at once since the start.
    pub(crate) fn max_running(&self) -> usize {
        self.state.lock().expect("metrics lock").max_running
    }

    pub(crate) fn render(&self, jobs: &JobSnapshot) -> String {
        let metrics = self.state.lock().expect("metrics lock");
        let mut out = String::new();
        out.push_str("# HELP backupd_jobs Jobs known to the sidecar, by kind and state.\n");
        out.push_str("# TYPE backupd_jobs gauge\n");
        for kind in [JobKind::Backup, JobKind::Restore] {
            for state in JobState::ALL {
                let count = jobs
                    .by_kind_and_state
                    .get(&(kind, state))
                    .copied()
                    .unwrap_or(0);
                let _ = writeln!(
                    out,
                    "backupd_jobs{{kind=\"{}\",state=\"{}\"}} {count}",
                    kind_name(kind),
                    state.name()
                );
            }
        }
        out.push_str(
            "# HELP backupd_jobs_running Jobs running now.\n# TYPE backupd_jobs_running gauge\n",
        );
        let _ = writeln!(out, "backupd_jobs_running {}", jobs.running);
        out.push_str("# HELP backupd_jobs_running_max Most jobs seen running at once since the start.\n# TYPE backupd_jobs_running_max gauge\n");
        let _ = writeln!(out, "backupd_jobs_running_max {}", metrics.max_running);
        out.push_str("# HELP backupd_jobs_concurrency_limit Jobs allowed to run at once.\n# TYPE backupd_jobs_concurrency_limit gauge\n");
        let _ = writeln!(out, "backupd_jobs_concurrency_limit {}", jobs.limit);

        out.push_str("# HELP backupd_job_duration_seconds Duration of finished jobs.\n# TYPE backupd_job_duration_seconds histogram\n");
        for ((kind, state), histogram) in &metrics.durations {
            let labels = format!("kind=\"{kind}\",state=\"{state}\"");
            histogram.write(
                &mut out,
                "backupd_job_duration_seconds",
                &labels,
                &DURATION_BUCKETS,
            );
        }
        out.push_str("# HELP backupd_archive_size_bytes Size of the archives made since the start.\n# TYPE backupd_archive_size_bytes histogram\n");
        metrics
            .sizes
            .write(&mut out, "backupd_archive_size_bytes", "", &SIZE_BUCKETS);

        out.push_str("# HELP backupd_last_success_timestamp_seconds When each tenant's last successful backup was made.\n# TYPE backupd_last_success_timestamp_seconds gauge\n");
        for (tenant, time) in &metrics.last_success {
            let _ = writeln!(
                out,
                "backupd_last_success_timestamp_seconds{{tenant=\"{}\"}} {time}",
                escape_label(tenant)
            );
        }
        out.push_str("# HELP backupd_last_archive_size_bytes Size of each tenant's last successful backup.\n# TYPE backupd_last_archive_size_bytes gauge\n");
        for (tenant, size) in &metrics.last_size {
            let _ = writeln!(
                out,
                "backupd_last_archive_size_bytes{{tenant=\"{}\"}} {size}",
                escape_label(tenant)
            );
        }
        out.push_str("# HELP backupd_mails_total Notice e-mails, by outcome.\n# TYPE backupd_mails_total counter\n");
        for outcome in ["sent", "failed"] {
            let count = metrics.mails.get(outcome).copied().unwrap_or(0);
            let _ = writeln!(out, "backupd_mails_total{{outcome=\"{outcome}\"}} {count}");
        }
        out.push_str("# HELP backupd_retention_deleted_total Backups deleted by retention.\n# TYPE backupd_retention_deleted_total counter\n");
        let _ = writeln!(
            out,
            "backupd_retention_deleted_total {}",
            metrics.retention_deleted
        );
        let per_bucket = [
            (
                "backupd_copies_stored_total",
                "Copies of archives stored in each bucket since the start.",
                "counter",
                &metrics.copies_stored,
            ),
            (
                "backupd_copy_failures_total",
                "Attempts to copy an archive to a bucket that failed, since the start.",
                "counter",
                &metrics.copy_failures,
            ),
            (
                "backupd_copies_waiting",
                "Copies not yet in each bucket: pending, or failed and to be tried again.",
                "gauge",
                &metrics.copies_waiting,
            ),
        ];
        for (name, help, kind, values) in per_bucket {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (bucket, count) in values {
                let _ = writeln!(out, "{name}{{store=\"{}\"}} {count}", escape_label(bucket));
            }
        }
        out
    }
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
