//! The bearer token: missing or wrong gets 1001 (401 on the HTTP routes), `health` stays open,
//! and neither the right token nor a wrong one ever reaches the log (captured at TRACE level).

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use backup_service::{BackupApiClient, codes, error_code};
use support::{Harness, Options, TOKEN, client};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() -> Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .init();
            captured
        })
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_wrong_token_is_refused_and_no_token_is_ever_logged() {
    let logs = capture_logs();
    let harness = Harness::start(Options::default()).await;
    let wrong_token = "wrong-token-fedcba9876543210zyxwvutsrqponm";

    let anonymous = client(&harness.url, None);
    let impostor = client(&harness.url, Some(wrong_token));
    let health = anonymous.health().await.expect("health needs no token");
    assert_eq!(health.status, "ok");
    for caller in [&anonymous, &impostor] {
        let error = caller.tenants_list().await.unwrap_err();
        assert_eq!(error_code(&error), Some(codes::UNAUTHORIZED), "{error}");
        assert!(error.to_string().contains("Bearer"), "{error}");
        let error = caller.backup_list(None).await.unwrap_err();
        assert_eq!(error_code(&error), Some(codes::UNAUTHORIZED));
        let error = caller.schedules_tick().await.unwrap_err();
        assert_eq!(error_code(&error), Some(codes::UNAUTHORIZED));
    }
    // A batch cannot smuggle a call past the check.
    let batch = reqwest::Client::new()
        .post(&harness.url)
        .json(&serde_json::json!([
            {"jsonrpc": "2.0", "id": 1, "method": "health", "params": {}},
            {"jsonrpc": "2.0", "id": 2, "method": "backup.list", "params": {}}
        ]))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let refused = batch
        .as_array()
        .unwrap()
        .iter()
        .find(|answer| answer["id"] == 2)
        .unwrap();
    assert_eq!(refused["error"]["code"], codes::UNAUTHORIZED, "{batch}");

    for path in ["/metrics", "/backups/x/download"] {
        for token in [None, Some(wrong_token)] {
            let mut request = reqwest::Client::new().get(format!("{}{path}", harness.url));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{path}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], codes::UNAUTHORIZED);
        }
    }

    // The right token works, over every route.
    harness.client.tenants_list().await.unwrap();
    let metrics = reqwest::Client::new()
        .get(format!("{}/metrics", harness.url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);

    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(
        text.contains("refused: a") && text.contains("without the right bearer token"),
        "refusals are logged"
    );
    assert!(!text.contains(TOKEN), "the token reached the log");
    assert!(
        !text.contains(wrong_token),
        "a presented token reached the log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_logged_in_aggregate_and_long_strings_from_the_network_are_cut() {
    let logs = capture_logs();
    let harness = Harness::start(Options::default()).await;
    let marker = "refusal-marker-";

    // Two hundred refused calls from one stranger, in batches that fit the size limits.
    for round in 0..5 {
        let batch: Vec<_> = (0..40)
            .map(|id| {
                serde_json::json!({"jsonrpc": "2.0", "id": format!("{marker}{round}-{id}"),
                    "method": "backup.list", "params": {}})
            })
            .collect();
        let answer = reqwest::Client::new()
            .post(&harness.url)
            .json(&batch)
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap();
        assert_eq!(answer[0]["error"]["code"], codes::UNAUTHORIZED, "{answer}");
    }
    // A download with a 60,000-character id, with the token: refused, and not logged whole.
    let long_id = "A".repeat(60_000);
    let response = reqwest::Client::new()
        .get(format!("{}/backups/{long_id}/download", harness.url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body = response.text().await.unwrap();
    assert!(body.len() < 2_000, "a {}-byte answer", body.len());

    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    let refusal_lines = text
        .lines()
        .filter(|line| line.contains("WARN") && line.contains("refused"))
        .count();
    assert!(
        (1..=10).contains(&refusal_lines),
        "{refusal_lines} warnings for 200 refusals"
    );
    let longest = text.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 4_000, "a log line of {longest} bytes");
}
