//! Request bodies: JSON (with Brightpearl's CMNC-010 when it is missing or malformed) and the
//! JSON-Patch dialect of the PATCH endpoints (RFC 6902 `add` / `replace` / `remove`; an op or
//! path a resource does not allow is 500 CMNC-044, as recorded).

use super::reply::ApiError;
use axum::http::StatusCode;
use serde_json::Value as Json;

/// The body as JSON; a missing or malformed body is 400 `CMNC-010`.
pub fn json_body(bytes: &[u8]) -> Result<Json, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(no_json("the body is empty"));
    }
    serde_json::from_slice(bytes).map_err(|e| no_json(&e.to_string()))
}

fn no_json(detail: &str) -> ApiError {
    ApiError::bad_request(
        "CMNC-010",
        format!("You must supply a JSON formatted body with your request ({detail})"),
    )
}

/// A JSON body that must be an object; `what` names the resource for the error.
pub fn json_object(bytes: &[u8], what: &str) -> Result<serde_json::Map<String, Json>, ApiError> {
    match json_body(bytes)? {
        Json::Object(map) => Ok(map),
        other => Err(ApiError::bad_request(
            "CMNC-010",
            format!(
                "You must supply a JSON formatted body with your request: a {what} is a JSON object, not {}",
                kind(&other)
            ),
        )),
    }
}

/// "an array", "a string", ... for messages.
pub fn kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// A patch operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Set (creating the member if needed).
    Add,
    /// Overwrite an existing member.
    Replace,
    /// Delete a member.
    Remove,
}

impl Op {
    /// The op's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Replace => "replace",
            Op::Remove => "remove",
        }
    }
}

/// One operation of a JSON-Patch body.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOp {
    /// add, replace or remove.
    pub op: Op,
    /// The path as sent (`/delivery/deliveryDate`).
    pub path: String,
    /// The path's tokens, unescaped (`~1` → `/`, `~0` → `~`).
    pub tokens: Vec<String>,
    /// The value for add / replace.
    pub value: Json,
}

impl PatchOp {
    /// CMNC-044 for this op: Brightpearl's answer to an op/path pair the resource refuses.
    pub fn refused(&self) -> ApiError {
        invalid_op(self.op.as_str(), &self.path)
    }
}

fn invalid_op(op: &str, path: &str) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "CMNC-044",
        format!("Invalid patch operation ({op}) for given path ({path})"),
    )
}

/// Parses a JSON-Patch body: an array of `{op, path, value?}`.
pub fn parse_patch(bytes: &[u8]) -> Result<Vec<PatchOp>, ApiError> {
    let Json::Array(items) = json_body(bytes)? else {
        return Err(ApiError::bad_request(
            "CMNC-010",
            "You must supply a JSON formatted body with your request: a PATCH body is a JSON-Patch array such as [{\"op\":\"replace\",\"path\":\"/reference\",\"value\":\"#1\"}]",
        ));
    };
    let mut ops = Vec::with_capacity(items.len());
    for item in items {
        let op_name = item.get("op").and_then(Json::as_str).unwrap_or("");
        let path = item.get("path").and_then(Json::as_str).unwrap_or("");
        let op = match op_name {
            "add" => Op::Add,
            "replace" => Op::Replace,
            "remove" => Op::Remove,
            _ => return Err(invalid_op(op_name, path)),
        };
        let Some(rest) = path.strip_prefix('/') else {
            return Err(invalid_op(op_name, path));
        };
        let tokens = rest
            .split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect();
        let value = item.get("value").cloned();
        if op != Op::Remove && value.is_none() {
            return Err(ApiError::bad_request(
                "CMNC-010",
                format!("the {op_name} operation on {path} has no value; add \"value\""),
            ));
        }
        ops.push(PatchOp {
            op,
            path: path.to_string(),
            tokens,
            value: value.unwrap_or(Json::Null),
        });
    }
    Ok(ops)
}

/// Applies `ops` to `target` (a record in its GET shape). `allowed` says which op/path pairs the
/// resource accepts; anything else, and a `replace`/`remove` of a member that does not exist, is
/// CMNC-044. Nothing is changed unless every op applies.
pub fn apply_patch(
    target: &mut Json,
    ops: &[PatchOp],
    allowed: &dyn Fn(&PatchOp) -> bool,
) -> Result<(), ApiError> {
    let mut copy = target.clone();
    for op in ops {
        if !allowed(op) {
            return Err(op.refused());
        }
        apply_one(&mut copy, op)?;
    }
    *target = copy;
    Ok(())
}

fn apply_one(target: &mut Json, op: &PatchOp) -> Result<(), ApiError> {
    let Some((last, parents)) = op.tokens.split_last() else {
        return Err(op.refused());
    };
    let mut node = target;
    for token in parents {
        node = match node {
            Json::Object(map) => {
                if op.op == Op::Add && !map.contains_key(token) {
                    map.insert(token.clone(), Json::Object(Default::default()));
                }
                map.get_mut(token).ok_or_else(|| op.refused())?
            }
            Json::Array(items) => token
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get_mut(i))
                .ok_or_else(|| op.refused())?,
            _ => return Err(op.refused()),
        };
    }
    let Json::Object(map) = node else {
        return Err(op.refused());
    };
    match op.op {
        Op::Add => {
            map.insert(last.clone(), op.value.clone());
        }
        Op::Replace => {
            let slot = map.get_mut(last).ok_or_else(|| op.refused())?;
            *slot = op.value.clone();
        }
        Op::Remove => {
            map.shift_remove(last).ok_or_else(|| op.refused())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patches_apply_or_refuse_whole() {
        let mut order =
            json!({"reference": "#1", "delivery": {"deliveryDate": "x", "shippingMethodId": 0}});
        let ops = parse_patch(
            br##"[{"op":"replace","path":"/delivery/deliveryDate","value":"2022-01-20"},{"op":"replace","path":"/reference","value":"#XYZ"}]"##,
        )
        .unwrap();
        apply_patch(&mut order, &ops, &|op| op.op == Op::Replace).unwrap();
        assert_eq!(order["reference"], "#XYZ");
        assert_eq!(order["delivery"]["deliveryDate"], "2022-01-20");

        let ops = parse_patch(br##"[{"op":"replace","path":"/reference","value":"#2"},{"op":"add","path":"/reference","value":"#3"}]"##).unwrap();
        let err = apply_patch(&mut order, &ops, &|op| op.op == Op::Replace).unwrap_err();
        assert_eq!(err.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            err.errors[0].message,
            "Invalid patch operation (add) for given path (/reference)"
        );
        assert_eq!(order["reference"], "#XYZ", "nothing applied");

        let ops = parse_patch(br##"[{"op":"replace","path":"/PCF_X","value":1}]"##).unwrap();
        assert!(
            apply_patch(&mut json!({}), &ops, &|_| true).is_err(),
            "replace of an empty field fails"
        );
        let ops = parse_patch(
            br##"[{"op":"add","path":"/PCF_X","value":{"id":3}},{"op":"remove","path":"/PCF_Y"}]"##,
        )
        .unwrap();
        assert!(apply_patch(&mut json!({"PCF_Y": 1}), &ops, &|_| true).is_ok());
    }

    #[test]
    fn bad_bodies() {
        assert_eq!(json_body(b"").unwrap_err().errors[0].code, "CMNC-010");
        assert_eq!(json_body(b"{oops").unwrap_err().errors[0].code, "CMNC-010");
        assert!(parse_patch(br##"{"op":"add"}"##).is_err());
        assert!(parse_patch(br##"[{"op":"move","path":"/a"}]"##).is_err());
        assert!(parse_patch(br##"[{"op":"add","path":"/a"}]"##).is_err());
        assert!(json_object(b"[1]", "contact").is_err());
    }
}
