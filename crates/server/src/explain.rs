//! Plain-language explanations of the error codes a dead letter can carry: what happened, what
//! to do, and whether correcting the source record (the dashboard's edit-and-retry) is the likely
//! fix. The dead-letter page and `GET /api/dead-letters/{id}` show them next to the error's own
//! message, which names the record and field.
//!
//! Codes come from three places, looked up in this order:
//! 1. Ferry's own codes (`MAPPING_ERROR`, `LOOKUP_MISSING`, `SF_INVALID_KEY`, `BP_NOT_FOUND`, ...);
//! 2. Salesforce's status codes, passed through as `SF_<code>` (`SF_REQUIRED_FIELD_MISSING`), or
//!    bare when a whole call failed and is retried (`UNABLE_TO_LOCK_ROW`);
//! 3. Brightpearl's error codes, passed through as `BP_<code>` (`BP_CONC-003`) or bare; a code
//!    not listed falls back to its service family (`CONC` = contacts, `ORDC` = orders, ...).
//!
//! An unknown code gets a generic text that still says where to look. A unit test scans the
//! workspace's sources for every code literal given to `Failure::permanent`/`transient` and
//! `AdapterError::permanent`/`transient`, so a new code cannot ship without its explanation.

/// What usually fixes a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// The source record holds a wrong or missing value: correct it (edit-and-retry), then retry.
    EditAndRetry,
    /// Nothing is wrong with the data: retry once the passing cause (an outage, a lock) is gone.
    Retry,
    /// The fix is elsewhere — the flow's mapping, the target system, the configuration, another
    /// flow — then retry.
    FixElsewhere,
}

impl Remedy {
    /// A short label for the page and the API (`edit_and_retry`, `retry`, `fix_elsewhere`).
    pub fn as_str(self) -> &'static str {
        match self {
            Remedy::EditAndRetry => "edit_and_retry",
            Remedy::Retry => "retry",
            Remedy::FixElsewhere => "fix_elsewhere",
        }
    }
}

/// How closely the explanation matches the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matched {
    /// The catalogue has this very code.
    Exact,
    /// A Brightpearl code explained by its service family.
    Family,
    /// A code the catalogue does not know.
    Generic,
}

/// What an error code means for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Explanation {
    /// What happened, in plain language.
    pub what: &'static str,
    /// What to do about it.
    pub fix: &'static str,
    /// What usually fixes it.
    pub remedy: Remedy,
    /// How closely this matches the code.
    pub matched: Matched,
}

impl Explanation {
    /// As the admin API shows it: `{"what", "fix", "remedy", "matched"}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "what": self.what,
            "fix": self.fix,
            "remedy": self.remedy.as_str(),
            "matched": match self.matched {
                Matched::Exact => "code",
                Matched::Family => "family",
                Matched::Generic => "generic",
            },
        })
    }
}

use Remedy::{EditAndRetry as Edit, FixElsewhere as Elsewhere, Retry};

/// One catalogue entry: code, remedy, what happened, what to do.
type Entry = (&'static str, Remedy, &'static str, &'static str);

/// Ferry's own codes, as they appear in dead letters.
const FERRY: &[Entry] = &[
    // The flow engine.
    (
        "MAPPING_ERROR",
        Elsewhere,
        "The flow's mapping could not turn this record into the target record: an expression, a condition, a lookup's values or a write-back failed on this record's data.",
        "Read the message: it names the field and the expression. If the record's value is wrong (a malformed date, a text where a number belongs), correct it with edit-and-retry; if the mapping cannot handle a valid value, change the flow's mapping, then retry.",
    ),
    (
        "LOOKUP_MISSING",
        Edit,
        "The record refers to another record that does not exist in the target system (a product by SKU, an account, a price list), and the flow is set to fail rather than wait.",
        "Correct the reference in the source record (a mistyped SKU or code) with edit-and-retry, or create the missing record in the target system, then retry.",
    ),
    (
        "DEPENDENCY_MISSING",
        Retry,
        "The record needs another record to be synced first (its customer, its order), which has not arrived yet; it waited and retried until its attempts ran out.",
        "Check that the flow it depends on runs and has synced the other record (the message names it); once that record exists, retry this one.",
    ),
    (
        "DEPENDENCY_HELD",
        Elsewhere,
        "The record needs another record that is itself held as a dead letter in another flow, so it cannot go on.",
        "Fix the held record first (the message names it and its flow; open its dead letter), retry it, then retry this one.",
    ),
    (
        "POSSIBLE_DUPLICATE",
        Edit,
        "The record matches a target record that already stands for a different source record: the two source records are probably the same customer or product entered twice.",
        "Merge the two records in the source system, or change the value they share (an email, a SKU) with edit-and-retry if they really are different, then retry.",
    ),
    (
        "AMBIGUOUS_MATCH",
        Elsewhere,
        "More than one existing target record matches this record on the flow's match fields, so Ferry cannot tell which one to update.",
        "Merge the duplicates in the target system, or link one of them by setting its key field to this record's key (the message names both), then retry.",
    ),
    (
        "LINK_CONFLICT",
        Elsewhere,
        "The target record was written, but another source record is already linked to it: the two source records are probably duplicates.",
        "Merge the duplicate source records in the source system, then retry.",
    ),
    (
        "CONFLICT_REVIEW",
        Edit,
        "Both systems changed the same field since the last sync and the flow asks a person to decide which value wins.",
        "Read both values in the message. To keep the source's value, retry; to keep the target's, correct the source record to match it (edit-and-retry) or change it in the target, then retry.",
    ),
    (
        "NO_OUTCOME",
        Retry,
        "The target system gave no answer for this record's write, so Ferry does not know whether it was written.",
        "Retry: Ferry looks the record up before writing again, so a retry does not create a duplicate.",
    ),
    (
        "STORE_ERROR",
        Retry,
        "Ferry's own database did not answer while the record was processed.",
        "Check that the database is up (GET /readyz), then retry.",
    ),
    (
        "STORE_UNAVAILABLE",
        Retry,
        "Ferry's own database did not answer while the record was processed.",
        "Check that the database is up (GET /readyz), then retry.",
    ),
    (
        "RECONCILE_FAILED",
        Retry,
        "A gap in change capture asked for a full comparison of the flow's records, and that comparison failed.",
        "Check the source system's availability and the API budget on the overview, then retry.",
    ),
    (
        "HANDLER_TIMEOUT",
        Retry,
        "The flow did not finish this record within worker.handler_timeout_seconds; the call probably hung on a slow connection.",
        "Retry. If it keeps timing out, check the target system's status and consider raising worker.handler_timeout_seconds.",
    ),
    (
        "HANDLER_NO_OUTCOME",
        Retry,
        "The flow returned no result for this record. This is a defect in Ferry.",
        "Retry; if it happens again, report it with the record id and the payload below.",
    ),
    (
        "HANDLER_PANIC",
        Retry,
        "The flow crashed while processing this record. This is a defect in Ferry.",
        "Retry; if it happens again, report it with the record id and the payload below, and discard the dead letter until it is fixed.",
    ),
    (
        "NO_HANDLER",
        Retry,
        "The worker that took this record does not run its flow (the flow was disabled or renamed while the record waited).",
        "Enable the flow again (or make sure a worker runs it), then retry; discard it if the flow is gone for good.",
    ),
    (
        "LEASE_EXPIRED",
        Retry,
        "A worker took this record and stopped answering (it crashed, or was stopped) several times in a row.",
        "Check the workers' logs around the failure time. Retry once they run steadily; if the record makes a worker crash each time, report it with the payload below.",
    ),
    (
        "CORRUPT_ROW",
        Elsewhere,
        "Ferry's queue held a row it could not read back, so the item was set aside.",
        "Report it with the record id; discard the dead letter and let reconciliation sync the record again.",
    ),
    (
        "SELFTEST_REJECTED",
        Retry,
        "A self-test record that was enqueued with --fail-every, rejected on purpose.",
        "Nothing is wrong: retry it or discard it.",
    ),
    (
        "TIMEOUT",
        Retry,
        "A call took too long and was given up.",
        "Retry; if it keeps happening, check the other system's status.",
    ),
    // API calls (ferry_http), whichever the system.
    (
        "UNAUTHORIZED",
        Elsewhere,
        "The system refused Ferry's credentials (an expired or revoked token, a changed password).",
        "Renew the connection's credentials in Ferry's configuration, restart Ferry, then retry.",
    ),
    (
        "CIRCUIT_OPEN",
        Retry,
        "The system failed many calls in a row, so Ferry stopped calling it for a while (the breaker is open).",
        "Wait until the breaker closes (see the overview), then retry.",
    ),
    (
        "OUTCOME_UNKNOWN",
        Retry,
        "The connection broke after the request was sent, so nobody knows whether the write happened.",
        "Retry: Ferry reads the record back before writing again.",
    ),
    (
        "RETRIES_EXHAUSTED",
        Retry,
        "The system kept failing (overloaded, throttling, unavailable) and Ferry gave up after its retries.",
        "Check the system's status page, then retry.",
    ),
    (
        "BAD_RESPONSE",
        Retry,
        "The system answered with something Ferry could not read (often a maintenance page or a proxy error).",
        "Retry later; if it repeats, report it with the message.",
    ),
    (
        "CONFIG",
        Elsewhere,
        "The connection is configured wrongly (an address, an account, a version).",
        "Correct the connection in Ferry's configuration, restart Ferry, then retry.",
    ),
    (
        "DAILY_API_CEILING",
        Retry,
        "Ferry reached the daily ceiling of API calls it may spend on this system.",
        "Retry after the day's budget resets (the overview shows what is left), or raise the ceiling in the configuration.",
    ),
    (
        "RUN_API_CEILING",
        Retry,
        "The run reached its ceiling of API calls.",
        "Retry; the next run has a fresh budget.",
    ),
    (
        "BUDGET_LEDGER",
        Retry,
        "Ferry could not record the API calls it spends, so it made none.",
        "Check that Ferry's database is up (GET /readyz), then retry.",
    ),
    // Salesforce, Ferry's own checks.
    (
        "SF_INVALID_FIELD",
        Elsewhere,
        "The flow names a Salesforce field that does not exist or that the integration user cannot see.",
        "Check the field's API name in the flow and the integration user's field-level security in Salesforce, then retry.",
    ),
    (
        "SF_INVALID_ID",
        Elsewhere,
        "An id meant for Salesforce is not a Salesforce id (15 or 18 letters and digits).",
        "Repair the record's cross-reference link (or the mapped id field), then retry.",
    ),
    (
        "SF_INVALID_KEY",
        Edit,
        "The value the flow matches Salesforce records by (an external id, an email) is empty or not allowed.",
        "Give the source record a value for its key field (edit-and-retry), then retry.",
    ),
    (
        "SF_INVALID_LOOKUP",
        Elsewhere,
        "A lookup in the flow names no field to compare or a field Salesforce cannot filter by.",
        "Fix the lookup's `match` in the flow, then retry.",
    ),
    (
        "SF_INVALID_OBJECT",
        Elsewhere,
        "The flow names a Salesforce object that does not exist or that the integration user cannot use.",
        "Fix `object` in the flow (or the user's permissions), then retry.",
    ),
    (
        "SF_INVALID_QUERY",
        Elsewhere,
        "Ferry refused to send a query to Salesforce because a value in it cannot be queried safely.",
        "Check the value the message names in the source record or the flow, then retry.",
    ),
    (
        "SF_BAD_RESPONSE",
        Retry,
        "Salesforce returned a record Ferry could not read.",
        "Retry; if it repeats, check the integration user's access to the record's fields.",
    ),
    (
        "SF_OUTCOME_UNKNOWN",
        Retry,
        "Salesforce gave no outcome for this record, so whether it was written is unknown.",
        "Retry: Ferry reads the record back before writing again.",
    ),
    (
        "SF_UNAVAILABLE",
        Retry,
        "Salesforce did not answer.",
        "Check Salesforce's status (status.salesforce.com), then retry.",
    ),
    // Brightpearl, Ferry's own checks.
    (
        "BP_INVALID_FIELD",
        Edit,
        "A value for Brightpearl was refused before it was sent: it does not fit the field (a text where a number belongs, an unknown code).",
        "Correct the value in the source record (edit-and-retry) or the flow's mapping (the message names the field), then retry.",
    ),
    (
        "BP_NOT_FOUND",
        Elsewhere,
        "The Brightpearl record this one is linked to (or points at) no longer exists.",
        "Restore it in Brightpearl, or unlink the record so the flow creates it again, then retry.",
    ),
    (
        "BP_BAD_ID",
        Elsewhere,
        "An id meant for Brightpearl is not a number, so the record's cross-reference link is damaged.",
        "Repair the cross-reference link, then retry.",
    ),
    (
        "BP_BAD_CURSOR",
        Elsewhere,
        "A scan of Brightpearl cannot resume from where it stopped.",
        "Restart the scan from the beginning (an initial load or a reconciliation), then retry.",
    ),
    (
        "BP_NOT_WRITTEN",
        Retry,
        "The write to Brightpearl was not attempted because an earlier part of the same batch failed.",
        "Retry.",
    ),
    (
        "BP_ORDER_FIELD_LOCKED",
        Elsewhere,
        "The flow wants to change a Brightpearl order after it was created; Ferry only changes an existing order's status.",
        "Change the order in Brightpearl by hand, or map only the status for existing orders, then retry.",
    ),
    (
        "BP_PAYMENT_IMMUTABLE",
        Elsewhere,
        "Brightpearl payments cannot be changed, and the source's payment now differs from the one posted.",
        "Delete the payment in Brightpearl and retry: Ferry then posts it anew.",
    ),
    (
        "BP_JOURNAL_IMMUTABLE",
        Elsewhere,
        "Brightpearl journals cannot be changed once posted, and the source's journal now differs.",
        "Post a reversing journal in Brightpearl, unlink the record, and retry to post the corrected journal.",
    ),
    (
        "BP_UNKNOWN_OBJECT",
        Elsewhere,
        "The flow names a Brightpearl object Ferry does not read or write.",
        "Fix the object in the flow (the message lists the ones allowed), then retry.",
    ),
    (
        "BP_UNSUPPORTED",
        Elsewhere,
        "The flow asks Brightpearl for something it cannot do (finding this kind of record by field values).",
        "Change the flow's match for this object, then retry.",
    ),
    (
        "BP_UNREADABLE",
        Elsewhere,
        "Brightpearl returned the record in a shape Ferry cannot read.",
        "Check the record in Brightpearl; if it looks normal there, report it with the record id.",
    ),
];

/// Salesforce's status codes (as `SF_<code>`, or bare when the whole call failed).
const SALESFORCE: &[Entry] = &[
    (
        "REQUIRED_FIELD_MISSING",
        Edit,
        "Salesforce requires a field that the record left empty.",
        "Give the source record a value for the field the message names (edit-and-retry), or map a default in the flow, then retry.",
    ),
    (
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        Edit,
        "A validation rule in Salesforce refused the record's values.",
        "Read the rule's message, correct the value in the source record (edit-and-retry) or the flow's mapping, then retry; or change the rule in Salesforce.",
    ),
    (
        "FIELD_INTEGRITY_EXCEPTION",
        Edit,
        "A value breaks one of Salesforce's integrity rules (a date out of order, a value that does not fit another field).",
        "Correct the value the message names in the source record (edit-and-retry), then retry.",
    ),
    (
        "INVALID_EMAIL_ADDRESS",
        Edit,
        "The email address is not a valid address.",
        "Correct the email in the source record (edit-and-retry), then retry.",
    ),
    (
        "STRING_TOO_LONG",
        Edit,
        "A text is longer than the Salesforce field allows.",
        "Shorten the value in the source record (edit-and-retry), truncate it in the flow's mapping, or lengthen the field in Salesforce, then retry.",
    ),
    (
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        Edit,
        "The value is not one of the picklist's allowed values.",
        "Correct the value in the source record (edit-and-retry), map it to an allowed value (a `tables` entry in the flow), or add it to the picklist, then retry.",
    ),
    (
        "BAD_VALUE_FOR_PICKLIST",
        Edit,
        "The value is not one of the picklist's allowed values.",
        "Correct the value in the source record (edit-and-retry) or map it to an allowed value in the flow, then retry.",
    ),
    (
        "NUMBER_OUTSIDE_VALID_RANGE",
        Edit,
        "A number is too large or has too many decimals for the Salesforce field.",
        "Correct the number in the source record (edit-and-retry) or round it in the flow's mapping, then retry.",
    ),
    (
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        Edit,
        "A value is of the wrong kind for its field (a text in a number or date field).",
        "Correct the value in the source record (edit-and-retry) or convert it in the flow's mapping, then retry.",
    ),
    (
        "INVALID_TYPE",
        Elsewhere,
        "Salesforce does not know the object, or a value has the wrong type.",
        "Check the object and field names in the flow, then retry.",
    ),
    (
        "DUPLICATE_VALUE",
        Edit,
        "Another Salesforce record already holds this value in a field that must be unique.",
        "If they are the same record, link or merge them; if not, correct the value in the source record (edit-and-retry), then retry.",
    ),
    (
        "DUPLICATES_DETECTED",
        Edit,
        "A Salesforce duplicate rule found an existing record that looks like this one.",
        "Merge the records in Salesforce, or correct the source record so it no longer looks like the other (edit-and-retry), then retry.",
    ),
    (
        "DUPLICATE_EXTERNAL_ID",
        Elsewhere,
        "More than one Salesforce record holds the external id the flow matches by.",
        "Clear the duplicate external id in Salesforce, then retry.",
    ),
    (
        "INVALID_FIELD",
        Elsewhere,
        "The flow writes a field Salesforce does not know, or that the integration user cannot see.",
        "Check the field's API name in the flow and the integration user's field-level security, then retry.",
    ),
    (
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        Elsewhere,
        "The flow writes a field Salesforce does not let anyone set (a formula, a system field).",
        "Remove the field from the flow's mapping, then retry.",
    ),
    (
        "NO_SUCH_COLUMN",
        Elsewhere,
        "The flow names a field that does not exist on the Salesforce object.",
        "Fix the field's API name in the flow, then retry.",
    ),
    (
        "MALFORMED_ID",
        Elsewhere,
        "A value sent as a Salesforce id is not one.",
        "Repair the record's cross-reference link or the mapped id field, then retry.",
    ),
    (
        "INVALID_ID_FIELD",
        Elsewhere,
        "An id points at a record of the wrong kind or one that does not exist.",
        "Repair the record's cross-reference link or the mapped id field, then retry.",
    ),
    (
        "INVALID_CROSS_REFERENCE_KEY",
        Elsewhere,
        "A reference to another Salesforce record (an account, an owner, a price book entry) points at a record that does not exist.",
        "Create or restore the referenced record, or fix the mapped reference, then retry.",
    ),
    (
        "ENTITY_IS_DELETED",
        Elsewhere,
        "The Salesforce record this one is linked to was deleted.",
        "Restore it from the recycle bin, or clear the record's link so the flow creates it again, then retry.",
    ),
    (
        "NOT_FOUND",
        Elsewhere,
        "The Salesforce record does not exist (any more).",
        "Restore it, or clear the record's link so the flow creates it again, then retry.",
    ),
    (
        "ENTITY_IS_LOCKED",
        Elsewhere,
        "The Salesforce record is locked (for example in an approval process).",
        "Unlock the record in Salesforce, then retry.",
    ),
    (
        "INSUFFICIENT_ACCESS_OR_READONLY",
        Elsewhere,
        "The integration user may not change this record or field.",
        "Give the integration user access in Salesforce, then retry.",
    ),
    (
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        Elsewhere,
        "The integration user may not use a record this one points at.",
        "Give the integration user access to the referenced record, then retry.",
    ),
    (
        "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
        Elsewhere,
        "A trigger or flow inside Salesforce failed while saving the record.",
        "Read the message for the trigger's error and fix its cause in Salesforce (or the value it objects to), then retry.",
    ),
    (
        "STORAGE_LIMIT_EXCEEDED",
        Elsewhere,
        "The Salesforce org is out of data storage.",
        "Free space or buy storage in Salesforce, then retry.",
    ),
    (
        "DELETE_FAILED",
        Elsewhere,
        "Salesforce refused to delete the record, usually because other records depend on it.",
        "Remove or move the dependent records in Salesforce, then retry.",
    ),
    (
        "UNABLE_TO_LOCK_ROW",
        Retry,
        "Another process held the Salesforce record while Ferry wrote it.",
        "Retry.",
    ),
    (
        "TOO_MANY_LOCK_FAILURE",
        Retry,
        "Salesforce records were locked by other processes too often.",
        "Retry when the other work in Salesforce has finished.",
    ),
    (
        "REQUEST_LIMIT_EXCEEDED",
        Retry,
        "The Salesforce org used up its API requests for the day.",
        "Retry after the limit resets, or raise the org's limit.",
    ),
    (
        "SERVER_UNAVAILABLE",
        Retry,
        "Salesforce was unavailable.",
        "Check status.salesforce.com, then retry.",
    ),
    (
        "REQUEST_RUNNING_TOO_LONG",
        Retry,
        "Salesforce stopped a request that ran too long.",
        "Retry.",
    ),
    (
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        Retry,
        "Another record of the same batch failed and the whole batch was rolled back.",
        "Retry: this record itself was not refused.",
    ),
    (
        "PROCESSING_HALTED",
        Retry,
        "Salesforce stopped processing the batch before this record.",
        "Retry.",
    ),
    (
        "INVALID_SESSION_ID",
        Elsewhere,
        "Salesforce refused Ferry's session (expired or revoked credentials).",
        "Renew the Salesforce connection's credentials, restart Ferry, then retry.",
    ),
    (
        "UNKNOWN_EXCEPTION",
        Retry,
        "Salesforce failed with an internal error.",
        "Retry; if it repeats, contact Salesforce support with the message.",
    ),
    (
        "BULK_TIMEOUT",
        Retry,
        "A Salesforce bulk job did not finish in time, so whether the record was written is unknown.",
        "Retry: Ferry reads the record back before writing again.",
    ),
    (
        "BULK_RESULT_MISSING",
        Retry,
        "The Salesforce bulk job's results did not mention this record.",
        "Retry: Ferry reads the record back before writing again.",
    ),
    (
        "BULK_UNPROCESSED",
        Retry,
        "The Salesforce bulk job stopped before this record.",
        "Retry.",
    ),
    (
        "DEPENDENCY_FAILED",
        Retry,
        "A record this one depends on in the same batch (its parent) failed, so this one was not written.",
        "Fix the other record's error first (see its dead letter), then retry this one.",
    ),
    (
        "DEPENDENCY_CYCLE",
        Elsewhere,
        "Records of the batch refer to each other in a circle, so none can be written first.",
        "Break the circle in the source data or the flow's mapping, then retry.",
    ),
    (
        "UNSUPPORTED_VALUE",
        Edit,
        "A value cannot be sent to Salesforce in a bulk file (a nested object or list).",
        "Correct the value in the source record or flatten it in the flow's mapping, then retry.",
    ),
    (
        "INTERNAL",
        Retry,
        "Ferry's Salesforce writer failed internally. This is a defect in Ferry.",
        "Retry; if it repeats, report it with the message.",
    ),
    (
        "UNKNOWN_ERROR",
        Retry,
        "Salesforce refused the record without saying why.",
        "Retry; if it repeats, check the record in Salesforce for validation rules or triggers.",
    ),
];

/// Brightpearl's error codes (as `BP_<code>`, or bare when the call is retried).
const BRIGHTPEARL: &[Entry] = &[
    (
        "CONC-001",
        Edit,
        "A contact field is longer than Brightpearl allows.",
        "Shorten the value in the source record (edit-and-retry) or truncate it in the flow's mapping, then retry.",
    ),
    (
        "CONC-002",
        Elsewhere,
        "The contact refers to a postal address that does not exist in Brightpearl.",
        "Fix the address reference (or let the flow create the address), then retry.",
    ),
    (
        "CONC-003",
        Edit,
        "The contact's email address is not a valid address.",
        "Correct the email in the source record (edit-and-retry), then retry.",
    ),
    (
        "CONC-004",
        Edit,
        "A contact field has a value of the wrong kind, an unknown field or a value outside its allowed set.",
        "Correct the value the message names in the source record (edit-and-retry) or the flow's mapping, then retry.",
    ),
    (
        "CONC-005",
        Elsewhere,
        "The contact refers to a record Brightpearl does not have (a tag, lead source, staff member or company).",
        "Create the referenced record in Brightpearl or fix the mapped reference, then retry.",
    ),
    (
        "CONC-006",
        Edit,
        "A field Brightpearl requires for a contact is empty.",
        "Give the source record a value for the field the message names (edit-and-retry), then retry.",
    ),
    (
        "CONC-007",
        Edit,
        "The contact's country is not one Brightpearl knows.",
        "Correct the country in the source record (an ISO code such as GB or US) with edit-and-retry, then retry.",
    ),
    (
        "CONC-008",
        Edit,
        "A custom field's value does not fit the custom field's type.",
        "Correct the value in the source record (edit-and-retry) or the flow's mapping, then retry.",
    ),
    (
        "ORDC-005",
        Elsewhere,
        "The order has no order type.",
        "Map an order type in the flow, then retry.",
    ),
    (
        "ORDC-006",
        Elsewhere,
        "The order type is not one Brightpearl knows.",
        "Fix the order type in the flow's mapping, then retry.",
    ),
    (
        "ORDC-022",
        Retry,
        "The order names no customer: its customer has not been synced to Brightpearl.",
        "Sync the customer first (see its flow), then retry.",
    ),
    (
        "ORDC-400",
        Edit,
        "Brightpearl refused a value of the order.",
        "Correct the value the message names in the source record (edit-and-retry) or the flow's mapping, then retry.",
    ),
    (
        "ORDC-412",
        Retry,
        "The order changed in Brightpearl while Ferry wrote it.",
        "Retry: Ferry reads the current version first.",
    ),
    (
        "PRDC-014",
        Elsewhere,
        "The product has no brand, which Brightpearl requires.",
        "Map a brand in the flow (or give the source product one), then retry.",
    ),
    (
        "PRDC-024",
        Edit,
        "A brand has no name.",
        "Give the brand a name in the source, then retry.",
    ),
    (
        "WHSC-400",
        Elsewhere,
        "Brightpearl refused the stock movement, usually because there is not enough stock on hand.",
        "Book the stock in Brightpearl (or correct the quantity at the source), then retry.",
    ),
    (
        "WHSC-412",
        Retry,
        "The goods-out note changed in Brightpearl while Ferry wrote it.",
        "Retry: Ferry reads the current version first.",
    ),
    (
        "WHSC-030",
        Elsewhere,
        "The goods-out note has shipped and cannot be deleted.",
        "Leave it, or reverse the shipment in Brightpearl; discard this dead letter if nothing else is needed.",
    ),
    (
        "ACCC-010",
        Elsewhere,
        "The payment names no payment method, or one Brightpearl does not know.",
        "Map a payment method code that exists in Brightpearl (e.g. CARD), then retry.",
    ),
    (
        "ACCC-011",
        Edit,
        "The currency is not a three-letter ISO code.",
        "Correct the currency in the source record (e.g. USD) with edit-and-retry, then retry.",
    ),
    (
        "ACCC-012",
        Elsewhere,
        "A payment or journal value is not allowed (payment type, account code, amount).",
        "Correct the value the message names in the flow's mapping or the source record, then retry.",
    ),
    (
        "ACCC-013",
        Elsewhere,
        "A payment with the same reference was already posted.",
        "Check the payments in Brightpearl; if it is already there, discard this dead letter.",
    ),
    (
        "ACCC-020",
        Elsewhere,
        "The journal's date is not in an open accounting period.",
        "Open the period in Brightpearl or correct the date, then retry.",
    ),
    (
        "ACCC-030",
        Retry,
        "The payment's order does not exist in Brightpearl yet.",
        "Sync the order first, then retry.",
    ),
    (
        "ACCC-031",
        Elsewhere,
        "The capture names an authorisation Brightpearl does not have.",
        "Post the authorisation first or fix the transaction code, then retry.",
    ),
    (
        "CMNC-010",
        Elsewhere,
        "Brightpearl could not read the request's body.",
        "Report it with the message: the flow sent something Brightpearl cannot take.",
    ),
    (
        "CMNC-018",
        Retry,
        "Brightpearl failed to run a search.",
        "Retry; if it repeats, report it with the message.",
    ),
    (
        "CMNC-044",
        Elsewhere,
        "Brightpearl refused a change to the record.",
        "Check the message for the field, fix it in the flow's mapping, then retry.",
    ),
    (
        "CMNC-400",
        Elsewhere,
        "An id sent to Brightpearl is not valid.",
        "Repair the record's cross-reference link, then retry.",
    ),
    (
        "CMNC-404",
        Elsewhere,
        "The Brightpearl record does not exist.",
        "Restore it, or unlink the record so the flow creates it again, then retry.",
    ),
    (
        "CMNU-003",
        Retry,
        "Brightpearl failed with an internal error.",
        "Retry; if it repeats, contact Brightpearl support with the message.",
    ),
];

/// Brightpearl's service families, for codes not listed above.
const BRIGHTPEARL_FAMILIES: &[Entry] = &[
    (
        "ACCC",
        Elsewhere,
        "Brightpearl's accounting service refused the payment or journal.",
        "Read Brightpearl's message: correct the value it names in the flow's mapping or the source record, then retry.",
    ),
    (
        "CMNC",
        Elsewhere,
        "Brightpearl refused the request.",
        "Read Brightpearl's message: correct what it names, then retry.",
    ),
    (
        "CMNU",
        Retry,
        "Brightpearl failed with an internal error.",
        "Retry; if it repeats, contact Brightpearl support with the message.",
    ),
    (
        "CONC",
        Edit,
        "Brightpearl's contact service refused the contact's values.",
        "Correct the value Brightpearl's message names in the source record (edit-and-retry), then retry.",
    ),
    (
        "INTC",
        Elsewhere,
        "Brightpearl's integration service refused the request (webhooks, apps).",
        "Read Brightpearl's message and fix the configuration it names, then retry.",
    ),
    (
        "ORDC",
        Edit,
        "Brightpearl's order service refused the order's values.",
        "Correct the value Brightpearl's message names in the source record (edit-and-retry) or the flow's mapping, then retry.",
    ),
    (
        "PRDC",
        Edit,
        "Brightpearl's product service refused the product's values.",
        "Correct the value Brightpearl's message names in the source record (edit-and-retry) or the flow's mapping, then retry.",
    ),
    (
        "WHSC",
        Elsewhere,
        "Brightpearl's warehouse service refused the stock or goods-out change.",
        "Read Brightpearl's message (often stock on hand or a warehouse), fix it in Brightpearl, then retry.",
    ),
];

/// For a code nobody catalogued.
const GENERIC: Explanation = Explanation {
    what: "The record could not be synced; the message above is the other system's or Ferry's own account of why.",
    fix: "Read the message for the record and field it names. If the source record's data is wrong, correct it (edit-and-retry); if the other system refused for another reason, fix that there; then retry. Open the record's trace to see every attempt.",
    remedy: Remedy::FixElsewhere,
    matched: Matched::Generic,
};

fn find(table: &[Entry], code: &str, matched: Matched) -> Option<Explanation> {
    table
        .iter()
        .find(|(c, ..)| *c == code)
        .map(|&(_, remedy, what, fix)| Explanation {
            what,
            fix,
            remedy,
            matched,
        })
}

/// A Brightpearl code (`CONC-003`), exact or by its family (`CONC`).
fn brightpearl(code: &str) -> Option<Explanation> {
    find(BRIGHTPEARL, code, Matched::Exact).or_else(|| {
        let (family, number) = code.split_once('-')?;
        if family.len() != 4 || number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        find(BRIGHTPEARL_FAMILIES, family, Matched::Family)
    })
}

/// The explanation of an error code (a generic one for a code not in the catalogue).
pub fn explain(code: &str) -> Explanation {
    let code = code.trim();
    find(FERRY, code, Matched::Exact)
        .or_else(|| {
            code.strip_prefix("SF_")
                .and_then(|rest| find(SALESFORCE, rest, Matched::Exact))
        })
        .or_else(|| code.strip_prefix("BP_").and_then(brightpearl))
        .or_else(|| find(SALESFORCE, code, Matched::Exact))
        .or_else(|| brightpearl(code))
        .unwrap_or(GENERIC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    /// Every `.rs` file under `dir`, except test code (`tests/` folders, the store's conformance
    /// suite, the sandboxes, which simulate the other systems).
    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(
                    name.as_str(),
                    "tests" | "conformance" | "sandbox" | "target"
                ) {
                    sources(&path, out);
                }
            } else if name.ends_with(".rs") && name != "tests.rs" && name != "testing.rs" {
                out.push(path);
            }
        }
    }

    /// The string literals that follow each of `calls` in `text` (on the same or a later line),
    /// before the file's unit tests.
    fn literals_after(text: &str, calls: &[&str]) -> Vec<String> {
        let text = text
            .find("#[cfg(test)]\nmod ")
            .map_or(text, |end| &text[..end]);
        let mut found = Vec::new();
        for call in calls {
            for (at, _) in text.match_indices(call) {
                let rest = text[at + call.len()..].trim_start();
                if let Some(rest) = rest.strip_prefix('"')
                    && let Some(end) = rest.find('"')
                {
                    found.push(rest[..end].to_owned());
                }
            }
        }
        found
    }

    fn workspace_crates() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    #[test]
    fn every_code_ferry_raises_has_its_own_explanation() {
        let mut files = Vec::new();
        sources(&workspace_crates(), &mut files);
        let mut codes = Vec::new();
        for file in &files {
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            for code in literals_after(
                &text,
                &[
                    "Failure::permanent(",
                    "Failure::transient(",
                    "AdapterError::permanent(",
                    "AdapterError::transient(",
                ],
            ) {
                codes.push((code, file.clone()));
            }
            // Salesforce's writer's own per-record codes reach dead letters as `SF_<code>`.
            if file.components().any(|c| c.as_os_str() == "salesforce") {
                for code in literals_after(&text, &[" failed("]) {
                    codes.push((format!("SF_{code}"), file.clone()));
                }
            }
        }
        assert!(
            codes.len() >= 40,
            "the scan found only {} codes under {}: is it still looking in the right place?",
            codes.len(),
            workspace_crates().display()
        );
        // Codes that reach dead letters by other roads: the store's (LEASE_EXPIRED, a row it
        // cannot read), ferry_http's and its budget's `code()`.
        let others = [
            "LEASE_EXPIRED",
            "CORRUPT_ROW",
            "UNAUTHORIZED",
            "CIRCUIT_OPEN",
            "OUTCOME_UNKNOWN",
            "RETRIES_EXHAUSTED",
            "BAD_RESPONSE",
            "CONFIG",
            "DAILY_API_CEILING",
            "RUN_API_CEILING",
            "BUDGET_LEDGER",
        ];
        let missing: Vec<String> = codes
            .iter()
            .map(|(code, file)| (code.clone(), file.display().to_string()))
            .chain(others.iter().map(|c| (c.to_string(), "(other)".into())))
            .filter(|(code, _)| explain(code).matched != Matched::Exact)
            .map(|(code, file)| format!("{code} ({file})"))
            .collect();
        assert!(
            missing.is_empty(),
            "codes without an explanation in crates/server/src/explain.rs: {missing:?}"
        );
    }

    #[test]
    fn salesforce_and_brightpearl_codes_are_explained_with_or_without_their_prefix() {
        let required = explain("SF_REQUIRED_FIELD_MISSING");
        assert_eq!(required.matched, Matched::Exact);
        assert_eq!(required.remedy, Remedy::EditAndRetry);
        assert_eq!(explain("REQUIRED_FIELD_MISSING"), required);
        for code in [
            "SF_FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "SF_DUPLICATE_VALUE",
            "SF_INVALID_EMAIL_ADDRESS",
            "SF_STRING_TOO_LONG",
            "BP_CONC-003",
            "BP_CONC-006",
        ] {
            assert_eq!(explain(code).remedy, Remedy::EditAndRetry, "{code}");
        }
        assert_eq!(explain("UNABLE_TO_LOCK_ROW").remedy, Remedy::Retry);
        // Ferry's own SF_ codes win over Salesforce's of the same name.
        assert!(explain("SF_INVALID_FIELD").what.contains("flow names"));
        // A Brightpearl code not listed: its family.
        let family = explain("BP_PRDC-099");
        assert_eq!(family.matched, Matched::Family);
        assert!(family.what.contains("product service"));
        assert_eq!(explain("ORDC-777").matched, Matched::Family);
        assert_eq!(explain("BP_XXXX-1x").matched, Matched::Generic);
    }

    #[test]
    fn an_unknown_code_still_says_where_to_look() {
        let unknown = explain("SOMETHING_NEW");
        assert_eq!(unknown.matched, Matched::Generic);
        assert!(unknown.fix.contains("trace") && unknown.fix.contains("retry"));
        assert_eq!(explain(""), unknown);
    }

    #[test]
    fn the_catalogue_has_no_duplicates_and_every_text_reads_as_sentences() {
        for table in [FERRY, SALESFORCE, BRIGHTPEARL, BRIGHTPEARL_FAMILIES] {
            let mut seen = std::collections::HashSet::new();
            for (code, _, what, fix) in table {
                assert!(seen.insert(code), "{code} is listed twice");
                for text in [what, fix] {
                    assert!(
                        text.ends_with('.') && text.chars().next().is_some_and(char::is_uppercase),
                        "{code}: {text:?}"
                    );
                }
            }
        }
    }
}
