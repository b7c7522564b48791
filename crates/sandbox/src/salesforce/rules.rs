//! Salesforce's own rules for the standard objects: derived fields (names, stage flags, list
//! and total prices, status codes) and the validations of reference §8 that are not plain
//! field checks (price book consistency, the standard price first, Orders created in Draft,
//! activation and locking). [`super::org::Txn`] calls these around every write; required
//! fields, types, lengths, picklists, references and uniqueness are checked by the `Txn`
//! itself from the schema.
//!
//! Where the reference marks a message as unverified, the code and the wording below are the
//! sandbox's best match and are listed in `docs/sandbox.md`.

use super::api::RecordError;
use super::ids::SfId;
use super::org::{Record, Txn};
use super::schema::ObjectDef;
use super::value::Value;

/// Opportunity stages: (name, probability %, forecast category, closed, won).
const STAGES: &[(&str, f64, &str, bool, bool)] = &[
    ("Prospecting", 10.0, "Pipeline", false, false),
    ("Qualification", 10.0, "Pipeline", false, false),
    ("Needs Analysis", 20.0, "Pipeline", false, false),
    ("Value Proposition", 50.0, "Pipeline", false, false),
    ("Id. Decision Makers", 60.0, "Pipeline", false, false),
    ("Perception Analysis", 70.0, "Pipeline", false, false),
    ("Proposal/Price Quote", 75.0, "Pipeline", false, false),
    ("Negotiation/Review", 90.0, "Pipeline", false, false),
    ("Closed Won", 100.0, "Closed", true, true),
    ("Closed Lost", 0.0, "Omitted", true, false),
];

/// A record's fields by name, over its object's definition.
struct Fields<'a> {
    def: &'a ObjectDef,
}

impl<'a> Fields<'a> {
    fn index(&self, name: &str) -> usize {
        self.def.system_field(name)
    }

    fn get<'r>(&self, record: &'r Record, name: &str) -> &'r Value {
        match self.def.field(name) {
            Some(index) => record.get(index),
            None => &Value::Null,
        }
    }

    fn set(&self, record: &mut Record, name: &str, value: Value) {
        if let Some(index) = self.def.field(name) {
            record.values[index] = value;
        }
    }

    fn was_set(&self, set: &[usize], name: &str) -> bool {
        self.def.field(name).is_some_and(|i| set.contains(&i))
    }

    fn changed(&self, old: Option<&Record>, record: &Record, name: &str) -> bool {
        match (old, self.def.field(name)) {
            (Some(old), Some(index)) => old.get(index) != record.get(index),
            (None, Some(_)) => true,
            _ => false,
        }
    }
}

fn integrity(message: &str, field: &str) -> RecordError {
    RecordError::new("FIELD_INTEGRITY_EXCEPTION", message).with_fields(&[field])
}

fn round2(n: f64) -> f64 {
    (n * 100.0).round() / 100.0
}

/// Derives fields and validates a record about to be written (`old` is `None` on create).
/// `set` lists the fields the caller assigned.
pub fn before_write(
    txn: &Txn<'_>,
    object: usize,
    old: Option<&Record>,
    record: &mut Record,
    set: &[usize],
) -> Result<(), RecordError> {
    let schema = txn.org().schema().clone();
    let def = schema.def(object);
    let f = Fields { def };
    match def.name.as_str() {
        "Contact" | "Lead" | "User" => {
            let name = [f.get(record, "FirstName"), f.get(record, "LastName")]
                .iter()
                .filter_map(|v| v.as_text())
                .collect::<Vec<_>>()
                .join(" ");
            f.set(
                record,
                "Name",
                if name.is_empty() {
                    Value::Null
                } else {
                    Value::text(name)
                },
            );
        }
        "Opportunity" => opportunity(&f, old, record, set),
        "Case" => {
            let closed = f.get(record, "Status").as_text() == Some("Closed");
            f.set(record, "IsClosed", Value::Bool(closed));
            if closed && f.get(record, "ClosedDate").is_null() {
                f.set(record, "ClosedDate", Value::DateTime(txn.now()));
            } else if !closed {
                f.set(record, "ClosedDate", Value::Null);
            }
        }
        "PricebookEntry" => pricebook_entry(txn, &f, old, record, set)?,
        "OpportunityLineItem" => opportunity_line_item(txn, &f, old, record, set)?,
        "Order" => order(txn, &f, old, record)?,
        "OrderItem" => order_item(txn, &f, old, record, set)?,
        _ => {}
    }
    Ok(())
}

fn opportunity(f: &Fields<'_>, old: Option<&Record>, record: &mut Record, set: &[usize]) {
    let stage = f
        .get(record, "StageName")
        .as_text()
        .unwrap_or_default()
        .to_string();
    let Some(&(_, probability, forecast, closed, won)) = STAGES.iter().find(|s| s.0 == stage)
    else {
        return;
    };
    f.set(record, "IsClosed", Value::Bool(closed));
    f.set(record, "IsWon", Value::Bool(won));
    if f.changed(old, record, "StageName") {
        if !f.was_set(set, "Probability") {
            f.set(record, "Probability", Value::Number(probability));
        }
        if !f.was_set(set, "ForecastCategoryName") {
            f.set(
                record,
                "ForecastCategoryName",
                Value::text(forecast.to_string()),
            );
        }
    }
}

fn pricebook_entry(
    txn: &Txn<'_>,
    f: &Fields<'_>,
    old: Option<&Record>,
    record: &mut Record,
    set: &[usize],
) -> Result<(), RecordError> {
    let org = txn.org();
    let standard = org.standard_pricebook();
    let pricebook = f.get(record, "Pricebook2Id").as_id();
    let product = f.get(record, "Product2Id").as_id();
    let use_standard = f.get(record, "UseStandardPrice").as_bool() == Some(true);
    let is_standard = pricebook.is_some() && pricebook == standard;
    if use_standard && is_standard {
        return Err(integrity(
            "field integrity exception: UseStandardPrice (standard price entries cannot use the standard price)",
            "UseStandardPrice",
        ));
    }
    if use_standard && f.was_set(set, "UnitPrice") {
        return Err(integrity(
            "field integrity exception: UnitPrice (you can't specify a list price when UseStandardPrice is true)",
            "UnitPrice",
        ));
    }
    let Some(product) = product else {
        return Ok(());
    };
    let entries = org.schema().object("PricebookEntry").unwrap_or_default();
    let product_field = f.index("Product2Id");
    let siblings = org.children(entries, product_field, product);
    let find_in = |book: Option<SfId>| {
        siblings.iter().find(|r| {
            f.get(r, "Pricebook2Id").as_id() == book && Some(r.id()) != old.map(Record::id)
        })
    };
    if old.is_none() {
        if !is_standard && find_in(standard).is_none() {
            return Err(RecordError::new(
                "STANDARD_PRICE_NOT_DEFINED",
                "No standard price defined for this product",
            )
            .with_fields(&["Product2Id"]));
        }
        if find_in(pricebook).is_some() {
            return Err(RecordError::new(
                "DUPLICATE_VALUE",
                "This price definition already exists in this price book",
            )
            .with_fields(&["Pricebook2Id", "Product2Id"]));
        }
        if let Some((_, product_record)) = org.get_live(product) {
            let product_def = org
                .schema()
                .def(org.schema().object("Product2").unwrap_or_default());
            let pf = Fields { def: product_def };
            f.set(record, "Name", pf.get(product_record, "Name").clone());
            f.set(
                record,
                "ProductCode",
                pf.get(product_record, "ProductCode").clone(),
            );
        }
    }
    if use_standard && let Some(standard_entry) = find_in(standard) {
        f.set(
            record,
            "UnitPrice",
            f.get(standard_entry, "UnitPrice").clone(),
        );
    }
    Ok(())
}

/// The price book entry a line item uses, with its record: given directly, or found from the
/// product in the parent's price book.
fn entry_for<'o>(
    txn: &'o Txn<'_>,
    f: &Fields<'_>,
    record: &Record,
    parent_pricebook: Option<SfId>,
) -> Result<(SfId, &'o Record), RecordError> {
    let org = txn.org();
    let entries = org.schema().object("PricebookEntry").unwrap_or_default();
    let entry_def = org.schema().def(entries);
    let ef = Fields { def: entry_def };
    let entry_id = match f.get(record, "PricebookEntryId").as_id() {
        Some(id) => id,
        None => {
            let product = f.get(record, "Product2Id").as_id();
            let book = parent_pricebook.or(org.standard_pricebook());
            let found = product.and_then(|p| {
                org.children(entries, ef.index("Product2Id"), p)
                    .into_iter()
                    .find(|r| ef.get(r, "Pricebook2Id").as_id() == book)
                    .map(Record::id)
            });
            found.ok_or_else(|| {
                integrity(
                    "field integrity exception: PricebookEntryId, unknown (versions 3.0 and higher must specify pricebook entry id; others must specify product id)",
                    "PricebookEntryId",
                )
            })?
        }
    };
    match org.get_live(entry_id) {
        Some((object, entry)) if object == entries => Ok((entry_id, entry)),
        _ => Err(
            RecordError::new("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
                .with_fields(&["PricebookEntryId"]),
        ),
    }
}

/// A line item's live parent (Opportunity or Order) named by `field`, with field views of the
/// parent's object and of PricebookEntry.
fn line_parent<'o>(
    txn: &'o Txn<'_>,
    f: &Fields<'_>,
    record: &Record,
    field: &str,
    parent_object: &str,
) -> Result<(SfId, &'o Record, Fields<'o>, Fields<'o>), RecordError> {
    let org = txn.org();
    let schema = org.schema();
    let parent_id = f.get(record, field).as_id();
    let Some((parent_id, (_, parent))) =
        parent_id.and_then(|id| org.get_live(id).map(|found| (id, found)))
    else {
        return Err(
            RecordError::new("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
                .with_fields(&[field]),
        );
    };
    let parent_def = schema.def(schema.object(parent_object).unwrap_or_default());
    let entry_def = schema.def(schema.object("PricebookEntry").unwrap_or_default());
    Ok((
        parent_id,
        parent,
        Fields { def: parent_def },
        Fields { def: entry_def },
    ))
}

fn opportunity_line_item(
    txn: &Txn<'_>,
    f: &Fields<'_>,
    old: Option<&Record>,
    record: &mut Record,
    set: &[usize],
) -> Result<(), RecordError> {
    let (_, opportunity, of, ef) = line_parent(txn, f, record, "OpportunityId", "Opportunity")?;
    if old.is_none() {
        let book = of.get(opportunity, "Pricebook2Id").as_id();
        let (entry_id, entry) = entry_for(txn, f, record, book)?;
        let entry_book = ef.get(entry, "Pricebook2Id").as_id();
        if book.is_some() && book != entry_book {
            return Err(integrity(
                "field integrity exception: PricebookEntryId (pricebook entry is in a different pricebook than the one assigned to the opportunity)",
                "PricebookEntryId",
            ));
        }
        attach_entry(f, &ef, record, entry_id, entry)?;
        f.set(record, "ProductCode", ef.get(entry, "ProductCode").clone());
        let name = format!(
            "{} {}",
            of.get(opportunity, "Name").as_text().unwrap_or_default(),
            ef.get(entry, "Name").as_text().unwrap_or_default()
        );
        f.set(record, "Name", Value::text(name));
    }
    line_prices(f, old, record, set, true)
}

/// Points a new line item at its price book entry: the entry must be active and match any
/// product given; the item takes the entry's product and list price.
fn attach_entry(
    f: &Fields<'_>,
    ef: &Fields<'_>,
    record: &mut Record,
    entry_id: SfId,
    entry: &Record,
) -> Result<(), RecordError> {
    if ef.get(entry, "IsActive").as_bool() != Some(true) {
        return Err(integrity(
            "field integrity exception: PricebookEntryId (pricebook entry is inactive)",
            "PricebookEntryId",
        ));
    }
    let product = ef.get(entry, "Product2Id").clone();
    if let Some(given) = f.get(record, "Product2Id").as_id()
        && Some(given) != product.as_id()
    {
        return Err(integrity(
            "field integrity exception: Product2Id (product does not match the pricebook entry)",
            "Product2Id",
        ));
    }
    f.set(record, "PricebookEntryId", Value::Id(entry_id));
    f.set(record, "Product2Id", product);
    f.set(record, "ListPrice", ef.get(entry, "UnitPrice").clone());
    Ok(())
}

/// UnitPrice, TotalPrice, Quantity and Discount kept consistent. `total_writable` is false for
/// OrderItem, whose TotalPrice is read-only.
fn line_prices(
    f: &Fields<'_>,
    old: Option<&Record>,
    record: &mut Record,
    set: &[usize],
    total_writable: bool,
) -> Result<(), RecordError> {
    let unit_set = f.was_set(set, "UnitPrice");
    let total_set = total_writable && f.was_set(set, "TotalPrice");
    if unit_set && total_set {
        return Err(integrity(
            "field integrity exception: TotalPrice (you can't specify both unit price and total price)",
            "TotalPrice",
        ));
    }
    let quantity = f.get(record, "Quantity").as_f64().unwrap_or(0.0);
    if quantity == 0.0 && (old.is_none() || f.was_set(set, "Quantity")) {
        return Err(integrity(
            "field integrity exception: Quantity (quantity must be nonzero)",
            "Quantity",
        ));
    }
    let discount = f.get(record, "Discount").as_f64().unwrap_or(0.0);
    let factor = 1.0 - discount / 100.0;
    if total_set {
        let total = f.get(record, "TotalPrice").as_f64().unwrap_or(0.0);
        let unit = if factor == 0.0 {
            0.0
        } else {
            total / quantity / factor
        };
        f.set(record, "UnitPrice", Value::Number(round2(unit)));
    } else {
        let Some(unit) = f.get(record, "UnitPrice").as_f64() else {
            return Err(integrity(
                "field integrity exception: TotalPrice (total price must be specified)",
                "TotalPrice",
            ));
        };
        f.set(
            record,
            "TotalPrice",
            Value::Number(round2(unit * quantity * factor)),
        );
    }
    Ok(())
}

/// The status category (`Draft` / `Activated`) of an Order status value.
fn status_category(def: &ObjectDef, status: &str) -> String {
    def.status_categories
        .get(status)
        .cloned()
        .unwrap_or_else(|| {
            if status == "Activated" {
                "Activated".into()
            } else {
                "Draft".into()
            }
        })
}

/// Order fields that stay editable once the order is activated (besides custom fields).
const ORDER_EDITABLE_WHEN_ACTIVE: &[&str] = &["Status", "Description", "OwnerId"];

fn order(
    txn: &Txn<'_>,
    f: &Fields<'_>,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), RecordError> {
    let status = f
        .get(record, "Status")
        .as_text()
        .unwrap_or_default()
        .to_string();
    let category = status_category(f.def, &status);
    let Some(old) = old else {
        if category != "Draft" {
            return Err(integrity(
                &format!(
                    "You can't create an order with the status '{status}': orders are created in a Draft status, then activated once they have products."
                ),
                "Status",
            ));
        }
        f.set(record, "StatusCode", Value::text(category));
        return Ok(());
    };
    let was = f
        .get(old, "StatusCode")
        .as_text()
        .unwrap_or("Draft")
        .to_string();
    let changed: Vec<&str> = f
        .def
        .fields
        .iter()
        .enumerate()
        .filter(|(i, field)| !field.system && old.get(*i) != record.get(*i))
        .map(|(_, field)| field.name.as_str())
        .collect();
    if was == "Draft" && category == "Activated" {
        if let Some(other) = changed.iter().find(|n| **n != "Status") {
            return Err(integrity(
                &format!(
                    "When activating an order, Status is the only field you can update (this request also changes {other})."
                ),
                other,
            ));
        }
        let items = txn.org().schema().object("OrderItem").unwrap_or_default();
        let order_field = txn.org().schema().def(items).system_field("OrderId");
        if txn.org().children(items, order_field, old.id()).is_empty() {
            return Err(integrity(
                "You can't activate an order that has no order products. Add products, then activate it.",
                "Status",
            ));
        }
        f.set(record, "ActivatedDate", Value::DateTime(txn.now()));
        f.set(record, "ActivatedById", Value::Id(txn.actor().user));
    } else if was == "Activated" && category == "Activated" {
        let locked = changed
            .iter()
            .find(|name| !name.ends_with("__c") && !ORDER_EDITABLE_WHEN_ACTIVE.contains(name));
        if let Some(name) = locked {
            return Err(RecordError::new(
                "ENTITY_IS_LOCKED",
                format!("This order is activated, so {name} can't be changed. Set Status back to a Draft status first."),
            )
            .with_fields(&[name]));
        }
    }
    f.set(record, "StatusCode", Value::text(category));
    Ok(())
}

fn activated_order(txn: &Txn<'_>, order_id: Option<SfId>) -> bool {
    let org = txn.org();
    let Some((object, order)) = order_id.and_then(|id| org.get_live(id)) else {
        return false;
    };
    let def = org.schema().def(object);
    Fields { def }.get(order, "StatusCode").as_text() == Some("Activated")
}

fn locked_items_error() -> RecordError {
    RecordError::new(
        "ENTITY_IS_LOCKED",
        "The order is activated, so its products can't be added, changed or removed. Set the order's Status back to a Draft status first.",
    )
}

fn order_item(
    txn: &Txn<'_>,
    f: &Fields<'_>,
    old: Option<&Record>,
    record: &mut Record,
    set: &[usize],
) -> Result<(), RecordError> {
    let (order_id, order, of, ef) = line_parent(txn, f, record, "OrderId", "Order")?;
    if activated_order(txn, Some(order_id)) {
        return Err(locked_items_error());
    }
    if old.is_none() {
        let book = of.get(order, "Pricebook2Id").as_id();
        let (entry_id, entry) = entry_for(txn, f, record, book)?;
        if book.is_none() || ef.get(entry, "Pricebook2Id").as_id() != book {
            return Err(integrity(
                "field integrity exception: PricebookEntryId (pricebook entry is in a different pricebook than the one assigned to the order, or Order has no pricebook assigned)",
                "PricebookEntryId",
            ));
        }
        attach_entry(f, &ef, record, entry_id, entry)?;
    }
    line_prices(f, old, record, set, false)
}

/// Keeps other records in step after a write: an Opportunity's Amount and line-item flag, an
/// Order's TotalAmount.
pub fn after_write(txn: &mut Txn<'_>, object: usize, id: SfId) -> Result<(), RecordError> {
    let schema = txn.org().schema().clone();
    let def = schema.def(object);
    let (parent_field, parent_object, total_field) = match def.name.as_str() {
        "OpportunityLineItem" => ("OpportunityId", "Opportunity", "Amount"),
        "OrderItem" => ("OrderId", "Order", "TotalAmount"),
        _ => return Ok(()),
    };
    let f = Fields { def };
    let Some((_, record)) = txn.org().get(id) else {
        return Ok(());
    };
    let Some(parent) = f.get(record, parent_field).as_id() else {
        return Ok(());
    };
    let entry = f.get(record, "PricebookEntryId").as_id();
    let children = txn.org().children(object, f.index(parent_field), parent);
    let total: f64 = children
        .iter()
        .filter_map(|r| f.get(r, "TotalPrice").as_f64())
        .sum();
    let count = children.len();
    let Some(parent_index) = schema.object(parent_object) else {
        return Ok(());
    };
    let parent_def = schema.def(parent_index);
    let pf = Fields { def: parent_def };
    let mut values = vec![(pf.index(total_field), Value::Number(round2(total)))];
    if def.name == "OpportunityLineItem" {
        values.push((pf.index("HasOpportunityLineItem"), Value::Bool(count > 0)));
        let parent_book = txn
            .org()
            .get_live(parent)
            .map(|(_, r)| pf.get(r, "Pricebook2Id").clone());
        if parent_book == Some(Value::Null)
            && let Some((_, entry)) = entry.and_then(|e| txn.org().get(e))
        {
            let entry_def = schema.def(schema.object("PricebookEntry").unwrap_or_default());
            let book = Fields { def: entry_def }.get(entry, "Pricebook2Id").clone();
            values.push((pf.index("Pricebook2Id"), book));
        }
    }
    txn.system_update(parent_index, parent, values)
}

/// Refuses deletes the object's rules forbid: the standard price book, activated orders and
/// their products.
pub fn before_delete(txn: &Txn<'_>, object: usize, record: &Record) -> Result<(), RecordError> {
    let schema = txn.org().schema().clone();
    let def = schema.def(object);
    let f = Fields { def };
    match def.name.as_str() {
        "Pricebook2" if f.get(record, "IsStandard").as_bool() == Some(true) => Err(
            RecordError::new("DELETE_FAILED", "You can't delete the standard price book."),
        ),
        "Order" if f.get(record, "StatusCode").as_text() == Some("Activated") => {
            Err(RecordError::new(
                "DELETE_FAILED",
                "You can't delete an activated order. Set its Status back to a Draft status first.",
            ))
        }
        "OrderItem" if activated_order(txn, f.get(record, "OrderId").as_id()) => {
            Err(locked_items_error())
        }
        _ => Ok(()),
    }
}
