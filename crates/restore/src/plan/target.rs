//! The target: whether it is the archive's tenant, and what its models are like.

use std::collections::BTreeMap;

use futures::StreamExt;
use odoo_client::{Domain, OdooError, SearchOptions};
use serde_json::Value;

use super::Planner;
use crate::error::RestoreError;
use crate::schema::{ModelSchema, model_schema};

/// The target's metadata of the archive's models.
pub(super) struct TargetModels {
    pub schemas: BTreeMap<String, ModelSchema>,
    /// Models that cannot be restored here, with the reason.
    pub refused: BTreeMap<String, String>,
}

impl Planner {
    /// The target database's uuid, if it has one.
    async fn database_uuid(&self) -> Result<Option<String>, RestoreError> {
        let rows = self
            .client
            .search_read(
                "ir.config_parameter",
                &Domain::leaf("key", "=", "database.uuid"),
                &["value".to_owned()],
                &SearchOptions::default(),
            )
            .await
            .map_err(self.odoo(
                "read the database uuid (ir.config_parameter; the user must be a Settings administrator)",
            ))?;
        Ok(rows
            .first()
            .and_then(|row| row.get("value"))
            .and_then(Value::as_str)
            .filter(|uuid| !uuid.is_empty())
            .map(str::to_owned))
    }

    /// Refuses a target that is not the archive's tenant: another company, or the same company
    /// id in another database.
    pub(super) async fn check_tenant(&self) -> Result<(), RestoreError> {
        let metadata = &self.archive.metadata;
        if metadata.tenant.company_id != self.tenant.company_id {
            return Err(RestoreError::WrongTenant {
                path: self.archive.path.clone(),
                archive_company_id: metadata.tenant.company_id,
                archive_tenant: format!("{} ({})", metadata.tenant.name, metadata.tenant.code),
                target: self.tenant.to_string(),
            });
        }
        let archive_uuid = metadata
            .odoo
            .database_uuid
            .clone()
            .filter(|uuid| !uuid.is_empty())
            .ok_or(RestoreError::MissingDatabaseUuid {
                side: "the archive",
            })?;
        let target_uuid = self
            .database_uuid()
            .await?
            .ok_or(RestoreError::MissingDatabaseUuid {
                side: "the target database",
            })?;
        if archive_uuid != target_uuid {
            return Err(RestoreError::WrongDatabase {
                path: self.archive.path.clone(),
                archive_uuid,
                target_uuid,
            });
        }
        Ok(())
    }

    /// The target's metadata of every model of the archive; models that cannot be restored
    /// here, with the reason.
    pub(super) async fn target_models(&self) -> Result<TargetModels, RestoreError> {
        let models: Vec<String> = self.archive.model_order.clone();
        let results: Vec<(String, Result<ModelSchema, OdooError>)> = futures::stream::iter(models)
            .map(|model| async move {
                let schema = model_schema(&self.client, &model).await;
                (model, schema)
            })
            .buffered(self.options.concurrency.max(1))
            .collect()
            .await;
        let mut schemas = BTreeMap::new();
        let mut refused = BTreeMap::new();
        for (model, result) in results {
            if let Some(reason) = backup_engine::denied_reason(&model) {
                refused.insert(model, format!("{reason}: never restored"));
                continue;
            }
            match result {
                Ok(schema) => {
                    schemas.insert(model, schema);
                }
                Err(OdooError::UnknownModel { .. }) => {
                    refused.insert(
                        model.clone(),
                        format!("model {model} is not installed in this database: install its module, then restore again"),
                    );
                }
                Err(error) => {
                    return Err(self.odoo(format!("read the fields of {model}"))(error));
                }
            }
        }
        Ok(TargetModels { schemas, refused })
    }
}
