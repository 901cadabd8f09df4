//! A sidecar killed with SIGKILL in the middle of a backup: after the restart the job reads
//! `interrupted` (never done), its backup `failed`, none of its `.partial` files is left, and the
//! work that was queued behind it runs, after which no `.partial` file is left anywhere. (Each
//! point where the sidecar holds an unfinished file is killed in turn by
//! crates/tenant-backup/tests/serve.rs, with the real binary.)
//!
//! The killed process is this test binary itself, started again to run only `child_service`
//! (which does nothing unless the parent set its environment variable). Against the simulator,
//! or the real Odoo named by `ODOO_URL` (tests/live), whose fullest company is the one killed
//! mid-backup.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use backup_service::{
    BackupApiClient, BackupStatus, InMemorySchedules, JobState, ServiceBuilder, TenantParam,
};
use odoo_sim::SimConfig;
use odoo_sim::datasets::TenantSize;
use support::{OdooUnderTest, TOKEN, partial_files, service_config, wait_for_job};

const CHILD_DIR: &str = "BACKUPD_TEST_RESTART_CHILD_DIR";
const TENANTS: [(&str, TenantSize); 2] = [
    ("Grande Boutique", TenantSize::Records(40_000)),
    ("Petite Boutique", TenantSize::Small),
];

/// The service process that the test kills; idle unless started by the test below.
#[test]
fn child_service() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let odoo = OdooUnderTest::start(&TENANTS, SimConfig::default()).await;
        let tenants = &odoo.tenants;
        let config = service_config(odoo.config.clone(), Path::new(&dir), 1, None);
        let service = ServiceBuilder::new(config)
            .schedules(InMemorySchedules::new())
            .start()
            .await
            .unwrap();
        // Through a file: the test harness may hold the child's standard output back.
        let serving = format!(
            "{} {} {}",
            service.url(),
            tenants[0].company_id,
            tenants[1].company_id
        );
        let announced = Path::new(&dir).join("serving");
        std::fs::write(announced.with_extension("tmp"), serving).unwrap();
        std::fs::rename(announced.with_extension("tmp"), announced).unwrap();
        std::future::pending::<()>().await;
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_running_when_the_process_is_killed_reads_interrupted_and_queued_work_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_service",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let announced = dir.path().join("serving");
    let deadline = Instant::now() + Duration::from_secs(300);
    let serving = loop {
        if let Ok(text) = std::fs::read_to_string(&announced)
            && text.split(' ').count() == 3
        {
            break text;
        }
        assert!(Instant::now() < deadline, "the child service never started");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut parts = serving.split(' ');
    let url = parts.next().unwrap().to_owned();
    let big: i64 = parts.next().unwrap().parse().unwrap();
    let small: i64 = parts.next().unwrap().parse().unwrap();
    let client = support::client(&url, Some(TOKEN));

    let interrupted = client
        .backup_start(TenantParam::Id(big), None)
        .await
        .unwrap();
    let queued = client
        .backup_start(TenantParam::Id(small), None)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job = client.job_get(interrupted.job_id.clone()).await.unwrap();
        assert!(
            !job.state.is_final(),
            "the big backup ended before it could be killed: {job:?}"
        );
        if job.state == JobState::Running && job.records_done > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the big backup never got going: {job:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let waiting = client.job_get(queued.job_id.clone()).await.unwrap();
    assert_eq!(waiting.state, JobState::Queued, "one job at a time");

    child.kill().unwrap();
    child.wait().unwrap();

    // Restarted on the same directories, against an Odoo with the same tenants.
    let odoo = OdooUnderTest::start(&TENANTS, SimConfig::default()).await;
    let service = ServiceBuilder::new(service_config(odoo.config.clone(), dir.path(), 1, None))
        .schedules(InMemorySchedules::new())
        .start()
        .await
        .unwrap();
    let client = support::client(&service.url(), Some(TOKEN));
    let job = client.job_get(interrupted.job_id.clone()).await.unwrap();
    assert_eq!(job.state, JobState::Interrupted, "{job:?}");
    assert!(job.error.is_some());
    let backup = client
        .backup_get(interrupted.backup_id.clone())
        .await
        .unwrap();
    assert_eq!(
        backup.status,
        BackupStatus::Failed,
        "never done: {backup:?}"
    );
    // The queued backup resumed at once and has unfinished files of its own by now: only the
    // killed job's are checked here, everything once the resumed job has ended.
    let killed_files: Vec<_> = partial_files(dir.path())
        .into_iter()
        .filter(|path| {
            let path = path.to_string_lossy();
            path.contains(&interrupted.backup_id) || path.contains(&interrupted.job_id)
        })
        .collect();
    assert!(killed_files.is_empty(), "left: {killed_files:?}");

    let resumed = wait_for_job(&client, &queued.job_id, Duration::from_secs(120)).await;
    assert_eq!(
        resumed.state,
        JobState::Done,
        "queued work resumes: {resumed:?}"
    );
    assert!(
        partial_files(dir.path()).is_empty(),
        "left: {:?}",
        partial_files(dir.path())
    );
    service.shutdown().await;
    support::forget_mirrors(
        odoo.config.clone(),
        vec![interrupted.backup_id, queued.backup_id],
    )
    .await
    .expect("remove the test's quelyos.backup records");
}
