//! Values by record, `(model, id)`, grouped by model: adding or looking up a record costs no
//! model name of its own, which counts when a tenant has a hundred thousand records.

use std::collections::HashMap;

#[derive(Clone, Debug)]
pub(crate) struct ByModel<V> {
    models: HashMap<String, HashMap<i64, V>>,
}

impl<V> Default for ByModel<V> {
    fn default() -> Self {
        ByModel {
            models: HashMap::new(),
        }
    }
}

impl<V> ByModel<V> {
    pub fn get(&self, model: &str, id: i64) -> Option<&V> {
        self.models.get(model)?.get(&id)
    }

    pub fn contains(&self, model: &str, id: i64) -> bool {
        self.get(model, id).is_some()
    }

    /// The values of one model's records.
    pub fn values_of(&self, model: &str) -> impl Iterator<Item = &V> + '_ {
        self.models.get(model).into_iter().flat_map(HashMap::values)
    }

    pub fn insert(&mut self, model: &str, id: i64, value: V) -> Option<V> {
        match self.models.get_mut(model) {
            Some(records) => records.insert(id, value),
            None => {
                self.models
                    .insert(model.to_owned(), HashMap::from([(id, value)]));
                None
            }
        }
    }
}

/// A set of records.
pub(crate) type KeySet = ByModel<()>;

impl KeySet {
    /// Adds a record; whether it was new.
    pub fn add(&mut self, model: &str, id: i64) -> bool {
        self.insert(model, id, ()).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_found_by_model_and_id() {
        let mut targets: ByModel<i64> = ByModel::default();
        assert_eq!(targets.insert("res.partner", 7, 70), None);
        assert_eq!(targets.insert("res.partner", 8, 80), None);
        assert_eq!(targets.insert("sale.order", 7, 700), None);
        assert_eq!(targets.insert("res.partner", 7, 71), Some(70));
        assert_eq!(targets.get("res.partner", 7), Some(&71));
        assert_eq!(targets.get("sale.order", 7), Some(&700));
        assert_eq!(targets.get("sale.order", 8), None);
        assert!(!targets.contains("account.move", 7));
        let mut partners: Vec<i64> = targets.values_of("res.partner").copied().collect();
        partners.sort_unstable();
        assert_eq!(partners, [71, 80]);
        assert_eq!(targets.values_of("account.move").count(), 0);

        let mut seen = KeySet::default();
        assert!(seen.add("res.partner", 1));
        assert!(!seen.add("res.partner", 1));
        assert!(seen.contains("res.partner", 1));
    }
}
