//! The records the archive refers to without holding them: shared records found by their
//! module external id, others by id once their company shows they may be referred to; a
//! reference to another tenant's record refuses the archive.

use std::collections::{BTreeMap, HashMap, HashSet};

use odoo_client::{Domain, SearchOptions};
use serde_json::Value;

use super::Planner;
use crate::error::RestoreError;
use crate::keys::KeySet;
use crate::ownership::{self, Key};
use crate::schema::{FieldSchema, ModelSchema};
use crate::values::{Resolved, holds_references};

impl Planner {
    /// Finds every record the archive refers to without holding it, through the archive's
    /// external ids (shared records) or by id (same database), and refuses the archive if one is
    /// another tenant's.
    pub(super) async fn resolve_outside_references(
        &self,
        schemas: &BTreeMap<String, ModelSchema>,
        refused_models: &BTreeMap<String, String>,
        attached: &KeySet,
    ) -> Result<HashMap<Key, Resolved>, RestoreError> {
        // The first record that refers to each outside record, for the error message.
        let mut referrers: BTreeMap<Key, (String, i64, String)> = BTreeMap::new();
        let mut seen: HashSet<(&str, i64)> = HashSet::new();
        for (model, records) in &self.archive.models {
            if refused_models.contains_key(model) {
                continue;
            }
            let schema = &schemas[model];
            let reference_fields: Vec<(&String, &FieldSchema)> = schema
                .fields
                .iter()
                .filter(|(_, field)| field.is_given_on_create() && holds_references(&field.info))
                .collect();
            let may_be_attached = !schema.attached_by.is_empty();
            for (id, record) in records.iter() {
                let is_attached = may_be_attached && attached.contains(model, id);
                for (name, field) in &reference_fields {
                    let Some(value) = record.get(*name) else {
                        continue;
                    };
                    // An attachment's own company is not trusted (Odoo stamps some wrongly) and
                    // is not written when it is not the tenant.
                    if is_attached && *name == "company_id" {
                        continue;
                    }
                    for (target_model, target) in
                        crate::values::referenced_records(field, value, record)
                    {
                        if !self.archive.contains(target_model, target)
                            && seen.insert((target_model, target))
                        {
                            referrers.insert(
                                (target_model.to_owned(), target),
                                (model.clone(), id, (*name).clone()),
                            );
                        }
                    }
                }
            }
        }
        let mut outside: HashMap<Key, Resolved> = HashMap::new();
        // Shared records by external id.
        let mut by_name: BTreeMap<String, Key> = BTreeMap::new();
        for key in referrers.keys() {
            if let Some(name) = self
                .archive
                .external_ids
                .get(&key.0)
                .and_then(|ids| ids.get(&key.1))
            {
                by_name.insert(name.clone(), key.clone());
            }
        }
        let names: Vec<String> = by_name.keys().cloned().collect();
        let found = self
            .client
            .resolve_external_ids(&names)
            .await
            .map_err(self.odoo("resolve the external ids of shared records"))?;
        let name_of: HashMap<&Key, &String> =
            by_name.iter().map(|(name, key)| (key, name)).collect();
        let installed = self.installed_modules().await?;
        let mut targets: BTreeMap<String, Vec<(Key, i64)>> = BTreeMap::new();
        for key in referrers.keys() {
            let Some(name) = name_of.get(key) else {
                targets
                    .entry(key.0.clone())
                    .or_default()
                    .push((key.clone(), key.1));
                continue;
            };
            match found.get(*name) {
                // Data a module defines (countries, currencies, units, OdooBot, the admin...)
                // is shared by every tenant, whatever company Odoo stamped on it. External ids
                // made at run time (`__export__`, `__import__`, a restore's own) prove nothing:
                // those records are checked by their company like records referred to by id.
                Some((model, target))
                    if *model == key.0 && ownership::is_module_data(name, &installed) =>
                {
                    outside.insert(key.clone(), Resolved::Target(*target));
                }
                Some((model, target)) if *model == key.0 => {
                    targets
                        .entry(key.0.clone())
                        .or_default()
                        .push((key.clone(), *target));
                }
                Some((model, _)) => {
                    outside.insert(
                        key.clone(),
                        Resolved::Unavailable(format!(
                            "external id {name} names a {model} record here, not a {}",
                            key.0
                        )),
                    );
                }
                None => {
                    outside.insert(
                        key.clone(),
                        Resolved::Unavailable(format!(
                            "external id {name} does not exist in this database"
                        )),
                    );
                }
            }
        }
        for (model, keys) in targets {
            let ids: Vec<i64> = keys.iter().map(|(_, target)| *target).collect();
            let rows = self.company_fields_now(&model, &ids).await?;
            for (key, target) in keys {
                let (referrer_model, referrer_id, field) = &referrers[&key];
                if rows.foreign.contains(&target) {
                    return Err(self.tampered(
                        referrer_model,
                        *referrer_id,
                        format!(
                            "field {field} refers to {model} {target}, which Odoo refuses to show to the tenant: another company's record"
                        ),
                    ));
                }
                match rows.rows.get(&target) {
                    Some(row) => {
                        if let Err(reason) = ownership::may_be_referenced(
                            &model,
                            target,
                            row,
                            self.tenant.company_id,
                        ) {
                            return Err(self.tampered(
                                referrer_model,
                                *referrer_id,
                                format!("field {field} refers to {model} {target}: {reason}"),
                            ));
                        }
                        outside.insert(key, Resolved::Target(target));
                    }
                    None => {
                        outside.insert(
                            key,
                            Resolved::Unavailable(format!("{model} {target} no longer exists")),
                        );
                    }
                }
            }
        }
        Ok(outside)
    }

    /// The modules installed in the target database.
    async fn installed_modules(&self) -> Result<HashSet<String>, RestoreError> {
        let rows = self
            .client
            .search_read(
                "ir.module.module",
                &Domain::leaf("state", "=", "installed"),
                &["name".to_owned()],
                &SearchOptions::default(),
            )
            .await
            .map_err(self.odoo("list the installed modules (ir.module.module)"))?;
        Ok(rows
            .iter()
            .filter_map(|row| row.get("name").and_then(Value::as_str).map(str::to_owned))
            .collect())
    }
}
