//! Outcomes out of Salesforce's answers: per-record error items, whole-call failures, and the
//! rules for which failures pass and which records may be sent again.

use super::{RecordWrite, WriteOp, WriteOutcome};
use crate::model::SaveError;
use ferry_http::Error;

/// Per-record error codes that mean "the record was not written; the same write may succeed
/// shortly" (lock contention, overload). Records failing with them are resubmitted.
pub const TRANSIENT_CODES: &[&str] = &[
    "UNABLE_TO_LOCK_ROW",
    "SERVER_UNAVAILABLE",
    "REQUEST_RUNNING_TOO_LONG",
    "TooManyLockFailure",
    "TOO_MANY_LOCK_FAILURE",
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "BULK_UNPROCESSED",
];

/// Ferry's codes for failures after which nobody knows whether the record was written. A
/// create that ends in one of them is never sent again automatically.
pub(crate) const UNKNOWN_OUTCOME_CODES: &[&str] = &[
    "OUTCOME_UNKNOWN",
    "BULK_TIMEOUT",
    "BULK_RESULT_MISSING",
    "BAD_RESPONSE",
];

/// A failure.
pub(crate) fn failed(
    code: impl Into<String>,
    message: impl Into<String>,
    fields: Vec<String>,
    transient: bool,
) -> WriteOutcome {
    WriteOutcome::Failed {
        code: code.into(),
        message: message.into(),
        fields,
        transient,
    }
}

/// The outcome of a record Salesforce refused with `errors` (the first error's code; all
/// messages and fields).
pub(crate) fn from_item_errors(errors: &[SaveError]) -> WriteOutcome {
    let Some(first) = errors.first() else {
        return failed(
            "UNKNOWN_ERROR",
            "Salesforce reported the record as not written without saying why; send it again \
             or check the record in Salesforce",
            Vec::new(),
            true,
        );
    };
    let message = errors
        .iter()
        .map(|e| e.message.as_str())
        .filter(|m| !m.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let mut fields: Vec<String> = Vec::new();
    for field in errors.iter().flat_map(|e| &e.fields) {
        if !fields.contains(field) {
            fields.push(field.clone());
        }
    }
    let code = if first.status_code.is_empty() {
        "UNKNOWN_ERROR".to_owned()
    } else {
        first.status_code.clone()
    };
    let transient = TRANSIENT_CODES.contains(&code.as_str());
    failed(code, message, fields, transient)
}

/// The outcome of every record of a call that failed as a whole.
pub(crate) fn from_call_error(error: &Error) -> WriteOutcome {
    match error {
        Error::Rejected(rejection) => {
            let errors: Vec<SaveError> =
                serde_json::from_slice(&rejection.body).unwrap_or_default();
            let fields = errors.first().map(|e| e.fields.clone()).unwrap_or_default();
            let transient =
                error.is_transient() || TRANSIENT_CODES.contains(&rejection.code.as_str());
            failed(rejection.code.clone(), error.to_string(), fields, transient)
        }
        _ => failed(
            error.code(),
            error.to_string(),
            Vec::new(),
            error.is_transient(),
        ),
    }
}

/// An answer that could not be matched to the record (too few result items, an unreadable
/// body): whether the record was written is unknown.
pub(crate) fn unknown(what: &str) -> WriteOutcome {
    failed(
        "BAD_RESPONSE",
        format!(
            "{what}; whether the record was written is unknown: look it up before creating it \
             again (upserts and updates are retried)"
        ),
        Vec::new(),
        true,
    )
}

/// True when `outcome` is a failure that may be sent again now: it passes, and sending it
/// again cannot create a second copy.
pub(crate) fn may_resubmit(record: &RecordWrite, outcome: &WriteOutcome) -> bool {
    match outcome {
        WriteOutcome::Ok { .. } => false,
        WriteOutcome::Failed {
            code, transient, ..
        } => {
            *transient
                && (record.op.is_idempotent() || !UNKNOWN_OUTCOME_CODES.contains(&code.as_str()))
        }
    }
}

/// The outcome of a delete that Salesforce says is already done: the wanted state holds (a
/// delete repeated after a lost answer must not fail).
pub(crate) fn already_deleted(op: &WriteOp, outcome: WriteOutcome) -> WriteOutcome {
    match (op, &outcome) {
        (WriteOp::Delete { id }, WriteOutcome::Failed { code, .. })
            if code == "ENTITY_IS_DELETED" =>
        {
            WriteOutcome::Ok {
                id: id.clone(),
                created: false,
            }
        }
        _ => outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_errors_keep_the_first_code_and_every_message_and_field() {
        let errors: Vec<SaveError> = serde_json::from_str(
            r#"[{"statusCode":"STRING_TOO_LONG","message":"Name: too long","fields":["Name"]},
                {"statusCode":"INVALID_EMAIL_ADDRESS","message":"bad e-mail","fields":["Email","Name"]}]"#,
        )
        .unwrap_or_default();
        assert_eq!(
            from_item_errors(&errors),
            WriteOutcome::Failed {
                code: "STRING_TOO_LONG".into(),
                message: "Name: too long; bad e-mail".into(),
                fields: vec!["Name".into(), "Email".into()],
                transient: false,
            }
        );
        let locked: Vec<SaveError> = serde_json::from_str(
            r#"[{"errorCode":"UNABLE_TO_LOCK_ROW","message":"unable to obtain exclusive access"}]"#,
        )
        .unwrap_or_default();
        assert!(matches!(
            from_item_errors(&locked),
            WriteOutcome::Failed {
                transient: true,
                ..
            }
        ));
        assert!(matches!(
            from_item_errors(&[]),
            WriteOutcome::Failed {
                transient: true,
                ..
            }
        ));
    }

    #[test]
    fn creates_with_unknown_outcome_are_not_resubmitted() {
        let create = RecordWrite::new("r", "Account", WriteOp::Create, Default::default());
        let upsert = RecordWrite::upsert("r", "Account", "ExternalID__c", "1", Default::default());
        let lost = unknown("no answer");
        assert!(!may_resubmit(&create, &lost));
        assert!(may_resubmit(&upsert, &lost));
        let locked = failed("UNABLE_TO_LOCK_ROW", "locked", Vec::new(), true);
        assert!(may_resubmit(&create, &locked));
        let bad = failed("STRING_TOO_LONG", "too long", Vec::new(), false);
        assert!(!may_resubmit(&upsert, &bad));
    }
}
