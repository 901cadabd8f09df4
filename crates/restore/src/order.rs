//! The order models are restored in: a model after the models its records point to, worked out
//! from the relational fields' metadata and, for attachments and messages, from the models
//! their `res_model` names.
//!
//! Cycles (a company's partner and the partner's company, a journal and its accounts) are broken
//! where a link is not required: inside a cycle, a model comes after the models it *must* point
//! to, and the records' other links to records not created yet are written once those exist
//! (see `execute`).

use std::collections::{BTreeMap, BTreeSet};

use odoo_client::FieldType;
use serde_json::Value;

use crate::archive::LoadedArchive;
use crate::schema::ModelSchema;

/// The archive's models in restore order; models with no schema (refused) come last.
pub(crate) fn dependency_order(
    archive: &LoadedArchive,
    schemas: &BTreeMap<String, ModelSchema>,
) -> Vec<String> {
    let models: Vec<&String> = archive
        .model_order
        .iter()
        .filter(|model| schemas.contains_key(*model))
        .collect();
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut required: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for model in &models {
        let schema = &schemas[*model];
        let depends = edges.entry(model.as_str()).or_default();
        let must = required.entry(model.as_str()).or_default();
        for (_, field) in schema.create_fields() {
            let Some(comodel) = field.comodel() else {
                continue;
            };
            if comodel == model.as_str() || !schemas.contains_key(comodel) {
                continue;
            }
            if matches!(
                field.info.field_type,
                FieldType::Many2one | FieldType::Many2many
            ) {
                let comodel = schemas.get_key_value(comodel).expect("checked").0.as_str();
                depends.insert(comodel);
                if field.info.required && field.info.field_type == FieldType::Many2one {
                    must.insert(comodel);
                }
            }
        }
        // Attachments and messages come after the records they hang on.
        let records = &archive.models[model.as_str()].records;
        for (_, model_field) in &schema.attached_by {
            let named: BTreeSet<&str> = records
                .iter()
                .filter_map(|record| record.get(model_field).and_then(Value::as_str))
                .collect();
            for target in named {
                if let Some((target, _)) = schemas.get_key_value(target)
                    && target != *model
                {
                    depends.insert(target.as_str());
                    must.insert(target.as_str());
                }
            }
        }
    }

    let components = strongly_connected(&models, &edges);
    // Order the components: a component after those it depends on.
    let component_of: BTreeMap<&str, usize> = components
        .iter()
        .enumerate()
        .flat_map(|(index, members)| members.iter().map(move |model| (*model, index)))
        .collect();
    let mut ordered_components: Vec<usize> = Vec::new();
    let mut done: BTreeSet<usize> = BTreeSet::new();
    while done.len() < components.len() {
        let ready = (0..components.len()).find(|index| {
            !done.contains(index)
                && components[*index].iter().all(|model| {
                    edges[model].iter().all(|target| {
                        let target_component = component_of[target];
                        target_component == *index || done.contains(&target_component)
                    })
                })
        });
        // Tarjan's components form a DAG, so a ready one always exists.
        let index = ready.expect("the condensation of a graph has no cycle");
        done.insert(index);
        ordered_components.push(index);
    }

    let mut order: Vec<String> = Vec::new();
    for index in ordered_components {
        let members = &components[index];
        let mut placed: BTreeSet<&str> = BTreeSet::new();
        let mut remaining: Vec<&str> = members.clone();
        remaining.sort_unstable();
        while !remaining.is_empty() {
            // A model whose required links inside the cycle are placed; else the first by name.
            let position = remaining
                .iter()
                .position(|model| {
                    required[model]
                        .iter()
                        .filter(|target| members.contains(target))
                        .all(|target| placed.contains(target))
                })
                .unwrap_or(0);
            let model = remaining.remove(position);
            placed.insert(model);
            order.push(model.to_owned());
        }
    }
    for model in &archive.model_order {
        if !schemas.contains_key(model) {
            order.push(model.clone());
        }
    }
    order
}

/// Tarjan's strongly connected components, each a list of models.
fn strongly_connected<'a>(
    models: &[&'a String],
    edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
) -> Vec<Vec<&'a str>> {
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        components: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(
        model: &'a str,
        edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        state: &mut State<'a>,
    ) {
        state.index.insert(model, state.next);
        state.low.insert(model, state.next);
        state.next += 1;
        state.stack.push(model);
        state.on_stack.insert(model);
        for &target in edges.get(model).into_iter().flatten() {
            if !state.index.contains_key(target) {
                visit(target, edges, state);
                let low = state.low[target].min(state.low[model]);
                state.low.insert(model, low);
            } else if state.on_stack.contains(target) {
                let low = state.index[target].min(state.low[model]);
                state.low.insert(model, low);
            }
        }
        if state.low[model] == state.index[model] {
            let mut component = Vec::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack.remove(member);
                component.push(member);
                if member == model {
                    break;
                }
            }
            state.components.push(component);
        }
    }
    let mut state = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        components: Vec::new(),
    };
    for model in models {
        if !state.index.contains_key(model.as_str()) {
            visit(model.as_str(), edges, &mut state);
        }
    }
    state.components
}
