//! Checking that records are the tenant's: every record of the archive (else the archive is
//! refused as tampered), and every record as it is now (else that record is refused). The
//! judgement is [`crate::ownership`]'s; this step reads what it needs.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use odoo_client::{Domain, OdooError, SearchOptions, value};

use super::Planner;
use super::current::CurrentModel;
use crate::error::RestoreError;
use crate::keys::{ByModel, KeySet};
use crate::ownership::{self, Facts, Key};
use crate::reads::{CurrentRecords, read_current};
use crate::schema::{ModelSchema, model_schema};

impl Planner {
    /// Refuses the archive unless every record in it is the tenant's. Returns the records that
    /// belong to the tenant by what they are attached to.
    pub(super) async fn check_archive_ownership(
        &self,
        schemas: &BTreeMap<String, ModelSchema>,
        refused_models: &BTreeMap<String, String>,
    ) -> Result<KeySet, RestoreError> {
        let tenant_partners =
            ownership::archive_tenant_partners(&self.archive, self.tenant.company_id);
        let facts = Facts {
            tenant: self.tenant.company_id,
            tenant_partners: &tenant_partners,
            tenant_data_models: &self.tenant_data_models,
        };
        let judgement = ownership::judge_archive(
            &self.archive,
            schemas,
            refused_models,
            &facts,
            &self.archive_models,
        )
        .map_err(|foreign| {
            let (model, id) = foreign.record;
            self.tampered(&model, id, foreign.reason)
        })?;
        let checked = self
            .strictly_tenant_now(judgement.verdicts.to_check(), false)
            .await?;
        let judged = |model: &str, id: i64| {
            !refused_models.contains_key(model) && self.archive.contains(model, id)
        };
        let refused = judgement.verdicts.refusals(&judged, &checked);
        if let Some(((model, id), reason)) = refused.into_iter().min() {
            return Err(self.tampered(&model, id, reason));
        }
        Ok(judgement.attached)
    }

    /// Judges the records that exist now, as they are now. Returns refusal reasons by target key.
    pub(super) async fn check_current_ownership(
        &self,
        schemas: &BTreeMap<String, ModelSchema>,
        current: &BTreeMap<String, CurrentModel>,
    ) -> Result<ByModel<String>, RestoreError> {
        let tenant_partners = self.current_tenant_partners().await?;
        let facts = Facts {
            tenant: self.tenant.company_id,
            tenant_partners: &tenant_partners,
            tenant_data_models: &self.tenant_data_models,
        };
        let in_set = |model: &str, id: i64| {
            current
                .get(model)
                .is_some_and(|records| records.now.rows.contains_key(&id))
        };
        let rows = current
            .iter()
            .map(|(model, records)| (&schemas[model], &records.now.rows));
        let verdicts = ownership::judge_current(rows, &facts, &self.archive_models, &in_set);
        let checked = self.strictly_tenant_now(verdicts.to_check(), true).await?;
        let mut refused = ByModel::default();
        for ((model, id), reason) in verdicts.refusals(&in_set, &checked) {
            refused.insert(&model, id, reason);
        }
        Ok(refused)
    }

    /// For records outside a set: whether each is strictly the tenant's now (its company is the
    /// tenant). Other companies' records and records with no company are not. A deleted record
    /// is not, unless `archive_vouches` and the archive holds it: the archive was found to be
    /// the tenant's, and Odoo never gives a deleted record's id to another, so what still hangs
    /// on it (a message on a deleted variant) is the tenant's.
    async fn strictly_tenant_now(
        &self,
        keys: BTreeSet<Key>,
        archive_vouches: bool,
    ) -> Result<HashMap<Key, bool>, RestoreError> {
        let mut by_model: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for (model, id) in keys {
            by_model.entry(model).or_default().push(id);
        }
        let mut checked = HashMap::new();
        for (model, ids) in by_model {
            let rows = self.company_fields_now(&model, &ids).await?;
            for id in ids {
                let owned = match rows.rows.get(&id) {
                    Some(row) => {
                        ownership::strictly_tenant_now(&model, id, row, self.tenant.company_id)
                    }
                    None => archive_vouches && self.archive.contains(&model, id),
                };
                checked.insert((model.clone(), id), owned);
            }
        }
        Ok(checked)
    }

    /// Records read now with their company fields.
    pub(super) async fn company_fields_now(
        &self,
        model: &str,
        ids: &[i64],
    ) -> Result<CurrentRecords, RestoreError> {
        let schema = match model_schema(&self.client, model).await {
            Ok(schema) => schema,
            Err(OdooError::UnknownModel { .. }) => return Ok(CurrentRecords::default()),
            Err(error) => return Err(self.odoo(format!("read the fields of {model}"))(error)),
        };
        let mut fields = vec!["id".to_owned()];
        for name in ["company_id", "company_ids", "record_company_id"] {
            if schema.has_field(name) {
                fields.push(name.to_owned());
            }
        }
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        read_current(
            &self.client,
            model,
            &ids,
            &fields,
            self.options.read_batch_size,
            self.options.concurrency,
        )
        .await
        .map_err(self.odoo(format!("read the companies of referenced {model} records")))
    }

    /// The tenant company's partner and its users' partners, as they are now.
    async fn current_tenant_partners(&self) -> Result<HashSet<i64>, RestoreError> {
        let company = self.tenant.company_id;
        let mut partners = HashSet::new();
        let rows = self
            .client
            .read("res.company", &[company], &["partner_id".to_owned()])
            .await
            .map_err(self.odoo("read the tenant company's partner"))?;
        partners.extend(
            rows.iter()
                .filter_map(|row| row.get("partner_id").and_then(value::many2one_id)),
        );
        let users = self
            .client
            .search_read(
                "res.users",
                &Domain::leaf("company_id", "=", company),
                &["partner_id".to_owned()],
                &SearchOptions::ordered_by("id"),
            )
            .await
            .map_err(self.odoo("read the tenant's users"))?;
        partners.extend(
            users
                .iter()
                .filter_map(|row| row.get("partner_id").and_then(value::many2one_id)),
        );
        Ok(partners)
    }
}
