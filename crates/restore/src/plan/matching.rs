//! Where each archive record stands now: refused (its model cannot be restored here, or the
//! record is not the tenant's now), existing (compared, and updated where it differs), or gone
//! (created again, its new id recorded in place of the one an earlier restore recorded).

use std::collections::BTreeMap;

use super::Planner;
use super::current::CurrentModel;
use super::restore_plan::PlanInternals;
use crate::id_records::RecordedId;
use crate::keys::ByModel;
use crate::report::Refusal;

impl Planner {
    /// Matches every archive record with its current state: records that exist go to
    /// `internals.existing`, refused ones to `internals.refused`, and gone ones whose earlier
    /// id record is stale to `internals.id_records`. Returns the refusals, by model.
    pub(super) fn match_records(
        &self,
        refused_models: &BTreeMap<String, String>,
        current: &BTreeMap<String, CurrentModel>,
        refused_now: &ByModel<String>,
        recorded: &ByModel<RecordedId>,
        internals: &mut PlanInternals,
    ) -> BTreeMap<String, Vec<Refusal>> {
        let mut refusals: BTreeMap<String, Vec<Refusal>> = BTreeMap::new();
        for (model, records) in &self.archive.models {
            for archive_id in records.ids() {
                let refusal = if let Some(reason) = refused_models.get(model) {
                    Some((None, reason.clone()))
                } else if let Some(CurrentModel { target_of, now }) = current.get(model) {
                    let target = target_of[&archive_id];
                    if now.foreign.contains(&target) {
                        Some((
                            Some(target),
                            format!(
                                "{model} {target} exists but Odoo refuses it to the tenant: it belongs to another company now"
                            ),
                        ))
                    } else if let Some(reason) = refused_now.get(model, target) {
                        Some((
                            Some(target),
                            format!("{model} {target} is not the tenant's now: {reason}"),
                        ))
                    } else if now.rows.contains_key(&target) {
                        internals.existing.insert(model, archive_id, target);
                        None
                    } else {
                        if let Some(recorded) = recorded.get(model, archive_id) {
                            internals
                                .id_records
                                .stale
                                .insert((model.clone(), archive_id), recorded.row);
                        }
                        None
                    }
                } else {
                    None
                };
                if let Some((target_id, reason)) = refusal {
                    internals.refused.add(model, archive_id);
                    refusals.entry(model.clone()).or_default().push(Refusal {
                        model: model.clone(),
                        archive_id,
                        target_id,
                        reason,
                    });
                }
            }
        }
        refusals
    }
}
