//! Copying a large archive to a real Garage: the sidecar's copy (streamed, in parts) next to a
//! plain single put of the same bytes by the same crate (`object_store`), with the time and the
//! peak memory of each, measured in a process of its own (`VmHWM`).
//!
//! The archive is `OFFSITE_ARCHIVE_MB` (default 1024) of random bytes: what an encrypted
//! archive is, byte for byte, to a store. Needs a Garage (`GARAGE_BIN`, as tests/run installs it).
//!
//! `cargo bench -p backup-service --bench offsite`

#[path = "../tests/support/garage.rs"]
#[allow(dead_code)] // Restarting Garage is for the tests.
mod garage;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use backup_service::BucketStore;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStoreExt, PutPayload};
use rand::RngCore;

const MODE: &str = "OFFSITE_BENCH_MODE";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Ok(mode) = std::env::var(MODE) {
        let endpoint = std::env::var("OFFSITE_BENCH_ENDPOINT").unwrap();
        let archive = PathBuf::from(std::env::var("OFFSITE_BENCH_ARCHIVE").unwrap());
        child(&mode, &endpoint, &archive);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run only for real.
    if !args.iter().any(|arg| arg == "--bench") {
        println!("offsite: run with `cargo bench -p backup-service --bench offsite`");
        return;
    }
    let megabytes: usize = std::env::var("OFFSITE_ARCHIVE_MB")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1024);
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("backup_bench.zip.age");
    write_random(&archive, megabytes);
    let garage = garage::Garage::start();
    println!(
        "offsite: {megabytes} MiB archive to Garage at {} (each in a process of its own)",
        garage.endpoint
    );
    println!(
        "{:<34} {:>9} {:>10} {:>14}",
        "", "seconds", "MiB/s", "peak RSS MiB"
    );
    for mode in [
        "sidecar copy (streamed parts)",
        "single put (whole file in memory)",
    ] {
        let output = Command::new(std::env::current_exe().unwrap())
            .env(MODE, mode)
            .env("OFFSITE_BENCH_ENDPOINT", &garage.endpoint)
            .env("OFFSITE_BENCH_ARCHIVE", &archive)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{mode} failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let (seconds, peak) = text.trim().split_once(' ').unwrap();
        let seconds: f64 = seconds.parse().unwrap();
        println!(
            "{mode:<34} {seconds:>9.2} {:>10.1} {peak:>14}",
            megabytes as f64 / seconds
        );
    }
}

fn write_random(path: &Path, megabytes: usize) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut chunk = vec![0u8; 1024 * 1024];
    let mut rng = rand::rng();
    for _ in 0..megabytes {
        rng.fill_bytes(&mut chunk);
        file.write_all(&chunk).unwrap();
    }
    file.flush().unwrap();
}

/// One upload; prints its seconds and the process's peak resident memory in MiB.
fn child(mode: &str, endpoint: &str, archive: &Path) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    runtime.block_on(async {
        if mode.starts_with("sidecar") {
            let settings = garage::settings("bench", endpoint);
            let bucket = BucketStore::new(&settings, std::env::temp_dir()).unwrap();
            bucket
                .upload_archive("20260101T000000Z-bench-000001", "streamed.zip.age", archive)
                .await
                .unwrap();
        } else {
            let client = garage::client(endpoint);
            let bytes = std::fs::read(archive).unwrap();
            client
                .put(
                    &ObjectPath::from("bench/single.zip.age"),
                    PutPayload::from(bytes),
                )
                .await
                .unwrap();
        }
    });
    let seconds = started.elapsed().as_secs_f64();
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let peak_kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    println!("{seconds:.3} {}", peak_kib / 1024);
}
