//! Where schedules come from and where their outcome goes: the addon's
//! `quelyos.backup.schedule` records in Odoo ([`OdooSchedules`], the default), or memory
//! ([`InMemorySchedules`], for tests and for an Odoo without the addon).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use odoo_client::{Context, Domain, SearchOptions, value};
use serde_json::{Map, Value, json};

use crate::error::ServiceError;
use crate::odoo::{BACKUP_MODEL, Odoo, SCHEDULE_MODEL};

/// One schedule as the addon stores it (field names of `quelyos.backup.schedule`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleRecord {
    pub id: i64,
    pub company_id: i64,
    pub active: bool,
    /// `daily`, `weekly` or `monthly`.
    pub frequency: String,
    /// `"0"` (Monday) to `"6"` (Sunday), for weekly schedules.
    pub weekday: Option<String>,
    pub day_of_month: Option<i64>,
    pub hour: i64,
    pub minute: i64,
    pub tz: Option<String>,
    pub retention_count: i64,
    pub notification_email: Option<String>,
    pub next_run: Option<DateTime<Utc>>,
    pub last_run: Option<DateTime<Utc>>,
    /// `never`, `running`, `success` or `failed`.
    pub last_status: String,
    /// The `backup_id` of the last backup it made.
    pub last_backup_id: Option<String>,
}

impl ScheduleRecord {
    /// A daily schedule at `hour:minute`, active, keeping 7, never run.
    pub fn daily(id: i64, company_id: i64, hour: i64, minute: i64) -> ScheduleRecord {
        ScheduleRecord {
            id,
            company_id,
            active: true,
            frequency: "daily".into(),
            weekday: None,
            day_of_month: None,
            hour,
            minute,
            tz: Some("Europe/Paris".into()),
            retention_count: 7,
            notification_email: None,
            next_run: None,
            last_run: None,
            last_status: "never".into(),
            last_backup_id: None,
        }
    }
}

/// `last_status` values the service writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LastStatus {
    Running,
    Success,
    Failed,
}

impl LastStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LastStatus::Running => "running",
            LastStatus::Success => "success",
            LastStatus::Failed => "failed",
        }
    }
}

/// What to write back to a schedule; `None` fields are left alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScheduleUpdate {
    /// `Some(None)` clears it.
    pub next_run: Option<Option<DateTime<Utc>>>,
    pub last_run: Option<DateTime<Utc>>,
    pub last_status: Option<LastStatus>,
    pub last_backup_id: Option<String>,
}

/// Reads schedules and writes their outcome back.
#[async_trait]
pub trait ScheduleSource: Send + Sync + 'static {
    /// The active schedules. An Odoo without the addon has none.
    async fn active_schedules(&self) -> Result<Vec<ScheduleRecord>, ServiceError>;

    /// One schedule, active or not; `None` when there is no such schedule.
    async fn schedule(&self, schedule_id: i64) -> Result<Option<ScheduleRecord>, ServiceError>;

    async fn update(&self, schedule_id: i64, update: &ScheduleUpdate) -> Result<(), ServiceError>;
}

/// Schedules kept in memory.
#[derive(Debug, Default)]
pub struct InMemorySchedules {
    schedules: Mutex<BTreeMap<i64, ScheduleRecord>>,
}

impl InMemorySchedules {
    pub fn new() -> Arc<InMemorySchedules> {
        Arc::new(InMemorySchedules::default())
    }

    pub fn insert(&self, schedule: ScheduleRecord) {
        self.schedules
            .lock()
            .expect("schedules lock")
            .insert(schedule.id, schedule);
    }

    pub fn get(&self, schedule_id: i64) -> Option<ScheduleRecord> {
        self.schedules
            .lock()
            .expect("schedules lock")
            .get(&schedule_id)
            .cloned()
    }
}

#[async_trait]
impl ScheduleSource for InMemorySchedules {
    async fn active_schedules(&self) -> Result<Vec<ScheduleRecord>, ServiceError> {
        Ok(self
            .schedules
            .lock()
            .expect("schedules lock")
            .values()
            .filter(|schedule| schedule.active)
            .cloned()
            .collect())
    }

    async fn schedule(&self, schedule_id: i64) -> Result<Option<ScheduleRecord>, ServiceError> {
        Ok(self.get(schedule_id))
    }

    async fn update(&self, schedule_id: i64, update: &ScheduleUpdate) -> Result<(), ServiceError> {
        let mut schedules = self.schedules.lock().expect("schedules lock");
        let schedule = schedules
            .get_mut(&schedule_id)
            .ok_or(ServiceError::UnknownSchedule { schedule_id })?;
        if let Some(next_run) = update.next_run {
            schedule.next_run = next_run;
        }
        if let Some(last_run) = update.last_run {
            schedule.last_run = Some(last_run);
        }
        if let Some(status) = update.last_status {
            schedule.last_status = status.as_str().into();
        }
        if let Some(backup_id) = &update.last_backup_id {
            schedule.last_backup_id = Some(backup_id.clone());
        }
        Ok(())
    }
}

const SCHEDULE_FIELDS: [&str; 15] = [
    "id",
    "company_id",
    "active",
    "frequency",
    "weekday",
    "day_of_month",
    "hour",
    "minute",
    "tz",
    "retention_count",
    "notification_email",
    "next_run",
    "last_run",
    "last_status",
    "last_backup_id",
];

/// The addon's schedules in Odoo.
pub(crate) struct OdooSchedules {
    pub(crate) odoo: Arc<Odoo>,
}

impl OdooSchedules {
    async fn read(
        &self,
        domain: Domain,
        archived: bool,
    ) -> Result<Vec<ScheduleRecord>, ServiceError> {
        if !self.odoo.addon_installed().await? {
            return Ok(Vec::new());
        }
        let fields: Vec<String> = SCHEDULE_FIELDS.iter().map(|f| (*f).to_owned()).collect();
        let rows = self
            .odoo
            .with_client(|client| async move {
                let client = if archived {
                    client.with_context(Context::new().with_archived())
                } else {
                    client
                };
                let rows = client
                    .search_read(
                        SCHEDULE_MODEL,
                        &domain,
                        &fields,
                        &SearchOptions::ordered_by("id"),
                    )
                    .await
                    .map_err(|error| ServiceError::odoo("read the backup schedules", error))?;
                // `last_backup_id` is a many2one to the mirrored backup: its `backup_id` is
                // what the service knows the backup by.
                let mirrored: Vec<i64> = rows
                    .iter()
                    .filter_map(|row| many2one(row, "last_backup_id"))
                    .collect();
                let mut backup_ids = HashMap::new();
                if !mirrored.is_empty() {
                    let backups = client
                        .with_context(Context::new().with_archived())
                        .read(BACKUP_MODEL, &mirrored, &["backup_id".to_owned()])
                        .await
                        .map_err(|error| {
                            ServiceError::odoo("read the schedules' last backups", error)
                        })?;
                    for backup in backups {
                        if let (Some(id), Some(backup_id)) =
                            (backup["id"].as_i64(), backup["backup_id"].as_str())
                        {
                            backup_ids.insert(id, backup_id.to_owned());
                        }
                    }
                }
                Ok(rows
                    .iter()
                    .filter_map(|row| {
                        let mut schedule = schedule_from_row(row)?;
                        schedule.last_backup_id = many2one(row, "last_backup_id")
                            .and_then(|id| backup_ids.get(&id).cloned());
                        Some(schedule)
                    })
                    .collect::<Vec<_>>())
            })
            .await?;
        Ok(rows)
    }
}

#[async_trait]
impl ScheduleSource for OdooSchedules {
    async fn active_schedules(&self) -> Result<Vec<ScheduleRecord>, ServiceError> {
        self.read(Domain::leaf("active", "=", true), false).await
    }

    async fn schedule(&self, schedule_id: i64) -> Result<Option<ScheduleRecord>, ServiceError> {
        Ok(self
            .read(Domain::leaf("id", "=", schedule_id), true)
            .await?
            .into_iter()
            .next())
    }

    async fn update(&self, schedule_id: i64, update: &ScheduleUpdate) -> Result<(), ServiceError> {
        if !self.odoo.addon_installed().await? {
            return Ok(());
        }
        let update = update.clone();
        self.odoo
            .with_client(|client| async move {
                let mut values = Map::new();
                if let Some(next_run) = update.next_run {
                    values.insert(
                        "next_run".into(),
                        value::or_unset(next_run.as_ref().map(value::datetime)),
                    );
                }
                if let Some(last_run) = update.last_run {
                    values.insert("last_run".into(), value::datetime(&last_run));
                }
                if let Some(status) = update.last_status {
                    values.insert("last_status".into(), json!(status.as_str()));
                }
                if let Some(backup_id) = &update.last_backup_id {
                    let ids = client
                        .search(
                            BACKUP_MODEL,
                            &Domain::leaf("backup_id", "=", backup_id.as_str()),
                            &SearchOptions::default(),
                        )
                        .await
                        .map_err(|error| ServiceError::odoo("find the mirrored backup", error))?;
                    match ids.first() {
                        Some(id) => {
                            values.insert("last_backup_id".into(), json!(id));
                        }
                        // Mirroring failed earlier (and said so); the rest is still written.
                        None => tracing::warn!(
                            schedule_id,
                            %backup_id,
                            "the schedule's last backup is not mirrored in Odoo: last_backup_id left as it was"
                        ),
                    }
                }
                if values.is_empty() {
                    return Ok(());
                }
                client
                    .write(SCHEDULE_MODEL, &[schedule_id], values)
                    .await
                    .map_err(|error| {
                        ServiceError::odoo(&format!("write back schedule {schedule_id}"), error)
                    })
            })
            .await
    }
}

fn schedule_from_row(row: &Map<String, Value>) -> Option<ScheduleRecord> {
    let text = |name: &str| {
        row.get(name)
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    };
    let integer = |name: &str| row.get(name).and_then(Value::as_i64);
    Some(ScheduleRecord {
        id: integer("id")?,
        company_id: many2one(row, "company_id")?,
        active: row.get("active").and_then(Value::as_bool).unwrap_or(true),
        frequency: text("frequency").unwrap_or_default(),
        weekday: text("weekday"),
        day_of_month: integer("day_of_month"),
        hour: integer("hour").unwrap_or(0),
        minute: integer("minute").unwrap_or(0),
        tz: text("tz"),
        retention_count: integer("retention_count").unwrap_or(0),
        notification_email: text("notification_email"),
        next_run: row.get("next_run").and_then(value::parse_datetime),
        last_run: row.get("last_run").and_then(value::parse_datetime),
        last_status: text("last_status").unwrap_or_else(|| "never".into()),
        last_backup_id: None,
    })
}

/// The id a many2one field of `row` names, `None` when unset.
fn many2one(row: &Map<String, Value>, name: &str) -> Option<i64> {
    row.get(name).and_then(value::many2one_id)
}

#[cfg(test)]
mod tests {
    use odoo_client::{ClientConfig, Credential, OdooClient, Secret};
    use odoo_sim::{SimConfig, Simulator};

    use super::*;

    /// A schedule's `last_backup_id` is read back as the backup's own id, not lost.
    #[tokio::test]
    async fn a_schedule_read_from_odoo_names_its_last_backup() {
        let sim = Simulator::start(SimConfig {
            with_backup_addon: true,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let config = ClientConfig::new(
            sim.url().parse().unwrap(),
            "sim",
            "admin",
            Credential::Password(Secret::new("admin")),
        );
        let client = OdooClient::connect(config.clone()).await.unwrap();
        let mut backup = Map::new();
        backup.insert("backup_id".into(), json!("20260301T013000Z-main-0a1b2c"));
        backup.insert("company_id".into(), json!(1));
        backup.insert("status".into(), json!("done"));
        let mirrored = client.create(BACKUP_MODEL, vec![backup]).await.unwrap()[0];
        let mut schedule = Map::new();
        schedule.insert("company_id".into(), json!(1));
        schedule.insert("last_backup_id".into(), json!(mirrored));
        let with_backup = client.create(SCHEDULE_MODEL, vec![schedule]).await.unwrap()[0];
        let mut schedule = Map::new();
        schedule.insert("company_id".into(), json!(1));
        let without = client.create(SCHEDULE_MODEL, vec![schedule]).await.unwrap()[0];

        let schedules = OdooSchedules {
            odoo: Arc::new(Odoo::new(config)),
        };
        let read = schedules.schedule(with_backup).await.unwrap().unwrap();
        assert_eq!(
            read.last_backup_id.as_deref(),
            Some("20260301T013000Z-main-0a1b2c")
        );
        let read = schedules.schedule(without).await.unwrap().unwrap();
        assert_eq!(read.last_backup_id, None);
    }
}
