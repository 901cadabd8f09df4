//! Comparing the binary fields (images, files) of existing records without reading every
//! content: by size first, then by content only where both sides have one.

use std::collections::HashMap;

use futures::{StreamExt, TryStreamExt};
use odoo_client::{OdooError, Record, value};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Planner;
use super::restore_plan::{FieldChange, ModelPlan};
use crate::archive::record_id;
use crate::error::RestoreError;
use crate::reads::read_current;
use crate::schema::ModelSchema;
use crate::values::file_reference;

impl Planner {
    /// Compares the binary fields of existing records: first by size (Odoo answers a binary
    /// by its size under `bin_size`), then, for values that are set on both sides, by content.
    pub(super) async fn compare_binaries(
        &self,
        schema: &ModelSchema,
        records: &[Record],
        candidates: &[(usize, i64)],
        plan: &mut ModelPlan,
    ) -> Result<(), RestoreError> {
        let model = &schema.model;
        let binary_fields: Vec<String> = schema
            .written_fields()
            .filter(|(_, field)| field.info.field_type.is_binary())
            .map(|(name, _)| name.clone())
            .filter(|name| {
                records
                    .first()
                    .is_some_and(|record| record.contains_key(name))
            })
            .collect();
        if binary_fields.is_empty() {
            return Ok(());
        }
        let record_of: HashMap<i64, &Record> = records
            .iter()
            .map(|record| (record_id(record), record))
            .collect();
        let sized = self
            .client
            .with_context(self.client.context().clone().with("bin_size", true));
        let mut fields = binary_fields.clone();
        fields.push("id".into());
        let target_ids: Vec<i64> = candidates
            .iter()
            .map(|(index, _)| plan.updates[*index].target_id)
            .collect();
        let sizes = read_current(
            &sized,
            model,
            &target_ids,
            &fields,
            self.options.read_batch_size,
            self.options.concurrency,
        )
        .await
        .map_err(self.odoo(format!("read the sizes of {model} binaries")))?;
        let mut by_content: Vec<ContentCheck> = Vec::new();
        for (index, archive_id) in candidates {
            let record = record_of[archive_id];
            let target_id = plan.updates[*index].target_id;
            let Some(row) = sizes.rows.get(&target_id) else {
                continue;
            };
            for name in &binary_fields {
                let archived = record.get(name).and_then(file_reference);
                let now_set = row
                    .get(name)
                    .is_some_and(|current| !value::is_empty(current));
                match (archived, now_set) {
                    (None, false) => {}
                    (Some(reference), true) => {
                        by_content.push((*index, name.clone(), reference.sha256));
                    }
                    (archived, _) => {
                        plan.updates[*index].changes.insert(
                            name.clone(),
                            FieldChange {
                                current: row.get(name).cloned().unwrap_or_else(value::unset),
                                restored: archived.map_or_else(value::unset, |reference| {
                                    serde_json::to_value(reference).unwrap_or_default()
                                }),
                            },
                        );
                    }
                }
            }
        }
        let chunk_size = self.options.binary_batch_size.max(1);
        let chunks: Vec<Vec<ContentCheck>> =
            by_content.chunks(chunk_size).map(<[_]>::to_vec).collect();
        let results: Vec<(Vec<ContentCheck>, HashMap<i64, Record>)> = futures::stream::iter(chunks)
            .map(|chunk| {
                let ids: Vec<i64> = chunk
                    .iter()
                    .map(|(index, _, _)| plan.updates[*index].target_id)
                    .collect();
                let fields: Vec<String> = binary_fields.clone();
                async move {
                    let rows = self.client.read(model, &ids, &fields).await?;
                    let rows = rows
                        .into_iter()
                        .filter_map(|row| Some((row.get("id")?.as_i64()?, row)))
                        .collect();
                    Ok::<_, OdooError>((chunk, rows))
                }
            })
            .buffered(2)
            .try_collect()
            .await
            .map_err(self.odoo(format!("read the {model} binaries")))?;
        for (chunk, rows) in results {
            for (index, name, expected) in chunk {
                let update = &mut plan.updates[index];
                let content = rows
                    .get(&update.target_id)
                    .and_then(|row| row.get(&name))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let actual = sha256_of_base64(content);
                if actual.as_deref() != Some(expected.as_str()) {
                    let record = record_of[&update.archive_id];
                    update.changes.insert(
                        name.clone(),
                        FieldChange {
                            current: json!("(different content)"),
                            restored: record.get(&name).cloned().unwrap_or(Value::Null),
                        },
                    );
                }
            }
        }
        Ok(())
    }
}

/// A binary value set both now and in the archive, compared by content: (index of the update,
/// field, the archive's SHA-256).
type ContentCheck = (usize, String, String);

fn sha256_of_base64(text: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()?;
    Some(hex(&Sha256::digest(&bytes)))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}
