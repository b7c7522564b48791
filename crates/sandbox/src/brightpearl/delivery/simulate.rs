//! Simulate (reference §8.1): fire a webhook with values the caller gives instead of an event.

use super::SIMULATE_MAX_IDS;
use crate::brightpearl::idset::IdSet;
use crate::brightpearl::webhooks::{
    ApiProblem, RenderedCall, TEMPLATE_VARIABLES, Webhook, full_event,
};
use serde_json::Value as Json;

/// Checks simulate's `testData` and renders its calls. Codes other than Brightpearl's are
/// INFERRED (INTC-067).
pub(super) fn calls(
    webhook: &Webhook,
    test_data: &Json,
    account_code: &str,
) -> Result<Vec<RenderedCall>, ApiProblem> {
    let bad = |message: String| ApiProblem::bad_request("INTC-067", message);
    let Some(fields) = test_data.as_object() else {
        return Err(bad(format!(
            "testData must be an object of template variables to values, e.g. \
             {{\"${{resource-id}}\": \"1-5,99\"}}; got {test_data}"
        )));
    };
    let mut values = webhook.default_values(account_code, String::new());
    let mut full_event_given = false;
    for (variable, value) in fields {
        let text = match value {
            Json::String(text) => text.clone(),
            Json::Number(number) => number.to_string(),
            other => {
                return Err(bad(format!(
                    "testData {variable} must be a string, not {other}"
                )));
            }
        };
        if !values.set(variable, text) {
            return Err(bad(format!(
                "testData names {variable}, which is not a template variable; use {}",
                TEMPLATE_VARIABLES.join(", ")
            )));
        }
        full_event_given |= variable == "${full-event}";
    }
    if !full_event_given {
        values.full_event = full_event(
            &values.resource_type,
            &values.lifecycle_event,
            &values.resource_specifier,
        );
    }
    if !fields.contains_key("${resource-id}") {
        return Err(bad(
            "testData needs ${resource-id}: one id or an id set such as 1-5,99".to_string(),
        ));
    }
    let ids = IdSet::parse(&values.resource_id, false)
        .map_err(|why| bad(format!("testData ${{resource-id}}: {why}")))?;
    let ids = ids.ids().to_vec();
    if ids.len() > SIMULATE_MAX_IDS {
        return Err(bad(format!(
            "testData ${{resource-id}} names {} ids; simulate accepts at most {SIMULATE_MAX_IDS}",
            ids.len()
        )));
    }
    if webhook.id_set_accepted {
        values.resource_id = values.resource_id.trim().to_string();
        return Ok(vec![webhook.render(&values)]);
    }
    Ok(ids
        .into_iter()
        .map(|id| {
            let mut one = values.clone();
            one.resource_id = id.to_string();
            webhook.render(&one)
        })
        .collect())
}
