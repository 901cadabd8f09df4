//! Tenants: the companies of the database, each with a stable code.
//!
//! The code is a slug of the company's name: lower case, accents folded to ASCII, every run of
//! other characters turned into one `-` ("Boutique Sport" → `boutique-sport`, "Café & Thé" →
//! `cafe-the`). When two companies' names give the same slug, the one with the lowest id keeps
//! it and the others get `-<id>` appended (`boutique-sport-7`): codes of existing companies do
//! not change when a new company with a similar name is created. A name with no letter or digit
//! gives `company-<id>`. The code names archive files, so it changes if the company is renamed.

use std::collections::HashMap;

use odoo_client::{Context, Domain, OdooClient, SearchOptions};
use serde_json::Value;

use crate::error::BackupError;

/// One company of the database, as backups name it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tenant {
    pub company_id: i64,
    pub code: String,
    pub name: String,
}

impl std::fmt::Display for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (id {}, {})", self.name, self.company_id, self.code)
    }
}

/// How a request names its tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TenantSelector {
    Id(i64),
    Code(String),
}

impl TenantSelector {
    /// Whether this selector names `tenant`.
    pub fn matches(&self, tenant: &Tenant) -> bool {
        match self {
            TenantSelector::Id(id) => tenant.company_id == *id,
            TenantSelector::Code(code) => tenant.code == *code,
        }
    }

    /// The tenant of `tenants` this selector names; the error lists the tenants there are.
    // The engine's one error type, as `resolve_tenant` returns it; found once per job.
    #[allow(clippy::result_large_err)]
    pub fn find_in(&self, tenants: &[Tenant]) -> Result<Tenant, BackupError> {
        let found = tenants.iter().find(|tenant| self.matches(tenant));
        found.cloned().ok_or_else(|| BackupError::UnknownTenant {
            selector: match self {
                TenantSelector::Id(id) => id.to_string(),
                TenantSelector::Code(code) => code.clone(),
            },
            known: tenants
                .iter()
                .map(|tenant| format!("{} ({})", tenant.code, tenant.company_id))
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

impl std::str::FromStr for TenantSelector {
    type Err = std::convert::Infallible;

    /// Digits are a company id; anything else a code.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        Ok(match text.parse::<i64>() {
            Ok(id) => TenantSelector::Id(id),
            Err(_) => TenantSelector::Code(text.to_owned()),
        })
    }
}

impl std::fmt::Display for TenantSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TenantSelector::Id(id) => write!(f, "company id {id}"),
            TenantSelector::Code(code) => write!(f, "code {code:?}"),
        }
    }
}

/// The slug of a company name, before disambiguation.
pub fn slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    let mut pending_dash = false;
    for c in name.chars().flat_map(fold_to_ascii) {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    slug
}

/// Folds the accented Latin letters of Western European names to ASCII.
fn fold_to_ascii(c: char) -> impl Iterator<Item = char> {
    let folded: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'Ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'œ' | 'Œ' => "oe",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'ß' => "ss",
        _ => "",
    };
    let single = folded.is_empty().then_some(c);
    folded.chars().chain(single)
}

/// Codes for a set of companies `(id, name)`: slugs, disambiguated by id where they collide.
pub fn assign_codes(companies: &[(i64, String)]) -> Vec<Tenant> {
    let mut by_slug: HashMap<String, Vec<i64>> = HashMap::new();
    for (id, name) in companies {
        let slug = slug(name);
        let slug = if slug.is_empty() {
            format!("company-{id}")
        } else {
            slug
        };
        by_slug.entry(slug).or_default().push(*id);
    }
    let mut tenants: Vec<Tenant> = companies
        .iter()
        .map(|(id, name)| {
            let base = slug(name);
            let base = if base.is_empty() {
                format!("company-{id}")
            } else {
                base
            };
            let lowest = by_slug[&base].iter().min().copied();
            let code = if lowest == Some(*id) {
                base
            } else {
                format!("{base}-{id}")
            };
            Tenant {
                company_id: *id,
                code,
                name: name.clone(),
            }
        })
        .collect();
    // A disambiguated code can meet another company's plain slug ("Shop" id 7 → `shop-7`, and a
    // company named "Shop 7"): the lower id keeps the code, the other gets its id appended.
    tenants.sort_by_key(|tenant| tenant.company_id);
    loop {
        let mut seen = HashMap::new();
        let mut changed = false;
        for tenant in &mut tenants {
            if seen
                .insert(tenant.code.clone(), tenant.company_id)
                .is_some()
            {
                tenant.code = format!("{}-{}", tenant.code, tenant.company_id);
                changed = true;
            }
        }
        if !changed {
            return tenants;
        }
    }
}

/// Every company the logged-in user may work in, archived ones included, by id.
pub async fn list_tenants(client: &OdooClient) -> Result<Vec<Tenant>, BackupError> {
    let odoo = |step: &str| {
        let step = step.to_owned();
        move |source| BackupError::Odoo {
            tenant: "-".into(),
            step,
            source,
        }
    };
    let user = client
        .read("res.users", &[client.uid()], &["company_ids".to_owned()])
        .await
        .map_err(odoo("read the backup user's companies"))?;
    let allowed: Vec<i64> = user
        .first()
        .and_then(|user| user.get("company_ids"))
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let scoped = client.with_context(Context::companies(allowed).with_archived());
    let rows = scoped
        .search_read(
            "res.company",
            &Domain::all(),
            &["name".to_owned()],
            &SearchOptions::ordered_by("id"),
        )
        .await
        .map_err(odoo("list the companies"))?;
    let companies: Vec<(i64, String)> = rows
        .iter()
        .filter_map(|row| {
            Some((
                row.get("id")?.as_i64()?,
                row.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ))
        })
        .collect();
    Ok(assign_codes(&companies))
}

/// The tenant a selector names, from the companies listed now.
pub async fn resolve_tenant(
    client: &OdooClient,
    selector: &TenantSelector,
) -> Result<Tenant, BackupError> {
    selector.find_in(&list_tenants(client).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_ascii_words_joined_by_dashes() {
        assert_eq!(slug("Boutique Sport"), "boutique-sport");
        assert_eq!(slug("  Café & Thé — Lyon "), "cafe-the-lyon");
        assert_eq!(slug("Marque_Mode SAS (FR)"), "marque-mode-sas-fr");
        assert_eq!(slug("Straße"), "strasse");
        assert_eq!(slug("東京"), "");
    }

    #[test]
    fn colliding_slugs_keep_the_oldest_company_stable() {
        let tenants = assign_codes(&[
            (7, "Boutique  Sport!".into()),
            (3, "Boutique Sport".into()),
            (9, "東京".into()),
            (2, "Boutique Sport 7".into()),
        ]);
        let codes: Vec<(i64, &str)> = tenants
            .iter()
            .map(|t| (t.company_id, t.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            vec![
                (2, "boutique-sport-7"),
                (3, "boutique-sport"),
                (7, "boutique-sport-7-7"),
                (9, "company-9")
            ]
        );
    }
}
