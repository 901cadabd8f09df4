//! docker-compose.example.yml ships no secret that works: each one is compose's
//! `${NAME:?message}`, so `docker compose up` stops and names it until the operator sets it.

const COMPOSE: &str = include_str!("../docker-compose.example.yml");

/// The environment keys whose value is a secret.
fn is_secret(key: &str) -> bool {
    ["PASSWORD", "TOKEN", "API_KEY", "SECRET"]
        .iter()
        .any(|word| key.contains(word))
}

#[test]
fn every_secret_of_the_compose_example_must_be_set_by_the_operator() {
    let mut secrets = Vec::new();
    for line in COMPOSE.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if !is_secret(key) {
            continue;
        }
        let value = value.trim();
        let required = value.starts_with("${")
            && value.ends_with('}')
            && value[2..].split_once(":?").is_some_and(|(name, message)| {
                !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && message.len() > 1
            });
        assert!(
            required,
            "{key} has a value that works as shipped ({value}): use ${{NAME:?how to set it}}"
        );
        secrets.push(key.to_owned());
    }
    for expected in [
        "POSTGRES_PASSWORD",
        "ODOO_PASSWORD",
        "BACKUPD_TOKEN",
        "SMTP_PASSWORD",
        "BACKUPD_S3_SECRET_ACCESS_KEY",
        "GARAGE_RPC_SECRET",
    ] {
        assert!(
            secrets.iter().any(|key| key == expected),
            "{expected} not found in {secrets:?}"
        );
    }
}
