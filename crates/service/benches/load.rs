//! Load test: 100 tenants' backups triggered at once on loopback against the simulator.
//!
//! Checks that every backup completes, none is lost, and no more than the concurrency limit ran
//! at once (from the jobs' own start and end times, and from the service's gauge); reports the
//! wall time and the latency of API calls (`health`, `job.get`) made while the backups run.
//! Bounded: 100 tenants (`LOAD_TENANTS`), 10 minutes at most, 127.0.0.1 only.
//!
//! `cargo bench -p backup-service --bench load` (`LOAD_CONCURRENCY`, default 4).

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use backup_service::{BackupApiClient, InMemorySchedules, JobState, ServiceBuilder, TenantParam};
use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{SimConfig, Simulator};

const LIMIT: Duration = Duration::from_secs(600);

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run only for real.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("load: run with `cargo bench -p backup-service --bench load`");
        return;
    }
    let tenants: usize = env_number("LOAD_TENANTS", 100);
    let concurrency: usize = env_number("LOAD_CONCURRENCY", 4);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(tenants, concurrency));
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

async fn run(tenant_count: usize, concurrency: usize) {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let companies: Vec<i64> = sim.with_db(|db| {
        (0..tenant_count)
            .map(|index| {
                let mut spec =
                    TenantSpec::new(format!("Shop {index:03}"), TenantSize::Small, index as u64);
                spec.with_images = false;
                add_shop_tenant(db, &spec).company_id
            })
            .collect()
    });
    let dir = tempfile::tempdir().unwrap();
    let service = ServiceBuilder::new(support::service_config(
        support::odoo_config(&sim.url()),
        dir.path(),
        concurrency,
        None,
    ))
    .schedules(InMemorySchedules::new())
    .start()
    .await
    .unwrap();
    let client = support::client(&service.url(), Some(support::TOKEN));
    client.tenants_list().await.unwrap();

    let started_at = Instant::now();
    let triggers = companies.iter().map(|company| {
        let client = client.clone();
        let company = *company;
        async move {
            client
                .backup_start(TenantParam::Id(company), None)
                .await
                .unwrap()
        }
    });
    let started = futures::future::join_all(triggers).await;
    let job_ids: Vec<String> = started.iter().map(|s| s.job_id.clone()).collect();

    // API latency while the backups run: health and job.get, one after the other.
    let mut latencies = Vec::new();
    let mut pending: HashSet<String> = job_ids.iter().cloned().collect();
    let mut cursor = 0;
    while !pending.is_empty() {
        assert!(
            started_at.elapsed() < LIMIT,
            "the load test ran over {LIMIT:?}"
        );
        let call = Instant::now();
        client.health().await.unwrap();
        latencies.push(call.elapsed());
        let job_id = job_ids[cursor % job_ids.len()].clone();
        cursor += 1;
        let call = Instant::now();
        let job = client.job_get(job_id.clone()).await.unwrap();
        latencies.push(call.elapsed());
        if job.state.is_final() {
            pending.remove(&job_id);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let wall = started_at.elapsed();

    let mut jobs = Vec::new();
    for job_id in &job_ids {
        jobs.push(client.job_get(job_id.clone()).await.unwrap());
    }
    let done = jobs
        .iter()
        .filter(|job| job.state == JobState::Done)
        .count();
    let backups = client.backup_list(None).await.unwrap().backups;
    let spans: Vec<_> = jobs
        .iter()
        .map(|job| (job.started_at.unwrap(), job.finished_at.unwrap()))
        .collect();
    let max_overlap = spans
        .iter()
        .map(|(start, _)| {
            spans
                .iter()
                .filter(|(s, f)| s <= start && start < f)
                .count()
        })
        .max()
        .unwrap_or(0);
    latencies.sort();
    let percentile = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];

    println!("load: {tenant_count} backups, concurrency limit {concurrency}");
    println!(
        "  completed:            {done}/{} (backups listed: {})",
        jobs.len(),
        backups.len()
    );
    println!("  wall time:            {:.2} s", wall.as_secs_f64());
    println!(
        "  max running at once:  {max_overlap} (from job times), {} (service gauge)",
        service.max_running_jobs()
    );
    println!(
        "  API latency ({} calls): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        percentile(0.50).as_secs_f64() * 1e3,
        percentile(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3
    );
    assert_eq!(done, tenant_count, "every backup completes: {jobs:?}");
    assert_eq!(backups.len(), tenant_count, "none is lost");
    assert!(max_overlap <= concurrency && service.max_running_jobs() <= concurrency);
    service.shutdown().await;
}
