//! Decoding change events as a consumer does: the schema from the bus, apache-avro, and the
//! bitmap fields turned into field names the way Salesforce's Python utility does.

use apache_avro::types::Value as Avro;
use ferry_sandbox::salesforce::cdc::{Bus, BusEvent};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// A decoded event: the header and the body fields by name, plus the schema's field names.
pub struct Decoded {
    pub header: BTreeMap<String, Avro>,
    pub body: BTreeMap<String, Avro>,
    /// Top-level field names in schema order, and each nested record's child names.
    pub fields: Vec<(String, Vec<String>)>,
}

impl Decoded {
    pub fn header_str(&self, name: &str) -> String {
        match &self.header[name] {
            Avro::String(s) => s.clone(),
            Avro::Enum(_, s) => s.clone(),
            other => panic!("{name} is {other:?}"),
        }
    }

    pub fn header_strings(&self, name: &str) -> Vec<String> {
        match &self.header[name] {
            Avro::Array(items) => items
                .iter()
                .map(|i| match i {
                    Avro::String(s) => s.clone(),
                    other => panic!("{other:?}"),
                })
                .collect(),
            other => panic!("{name} is {other:?}"),
        }
    }

    /// A body value with the union unwrapped (`Null` for null).
    pub fn get(&self, name: &str) -> Avro {
        unwrap_union(
            self.body
                .get(name)
                .unwrap_or_else(|| panic!("no field {name}"))
                .clone(),
        )
    }

    /// A nested record's child, unwrapped.
    pub fn child(&self, parent: &str, child: &str) -> Avro {
        match self.get(parent) {
            Avro::Record(fields) => unwrap_union(
                fields
                    .into_iter()
                    .find(|(n, _)| n == child)
                    .map(|(_, v)| v)
                    .unwrap(),
            ),
            Avro::Null => Avro::Null,
            other => panic!("{parent} is {other:?}"),
        }
    }

    /// Field names a bitmap header field marks, decoded as Salesforce's Python utility does
    /// (bit i of element 0 → top-level field i; `p-0x..` → `Parent.Child`).
    pub fn bitmap(&self, name: &str) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for (n, element) in self.header_strings(name).iter().enumerate() {
            let (parent, hex) = match element.split_once('-') {
                Some((p, h)) => (Some(p.parse::<usize>().unwrap()), h),
                None => (None, element.as_str()),
            };
            assert_eq!(parent.is_some(), n > 0, "{element}");
            let digits = hex.strip_prefix("0x").unwrap();
            assert_eq!(digits.len() % 2, 0, "{element}: even digit count");
            assert!(
                !digits.starts_with("00") || digits.len() == 2,
                "{element}: minimal"
            );
            for (i, c) in digits.chars().rev().enumerate() {
                let nibble = c.to_digit(16).unwrap() as usize;
                for bit in 0..4 {
                    if nibble & (1 << bit) != 0 {
                        let index = i * 4 + bit;
                        names.insert(match parent {
                            None => self.fields[index].0.clone(),
                            Some(p) => {
                                format!("{}.{}", self.fields[p].0, self.fields[p].1[index])
                            }
                        });
                    }
                }
            }
        }
        names
    }

    /// Whether every body field is null.
    pub fn body_all_null(&self) -> bool {
        self.body
            .values()
            .all(|v| unwrap_union(v.clone()) == Avro::Null)
    }
}

fn unwrap_union(value: Avro) -> Avro {
    match value {
        Avro::Union(_, inner) => *inner,
        other => other,
    }
}

/// Decodes an event with the schema the bus serves for its schema id.
pub fn decode(bus: &Bus, event: &BusEvent) -> Decoded {
    let json = bus.schema(&event.schema_id).expect("schema served");
    let schema = apache_avro::Schema::parse_str(&json).unwrap();
    let value = apache_avro::from_avro_datum(&schema, &mut event.payload.as_slice(), None).unwrap();
    let Avro::Record(fields) = value else {
        panic!("not a record")
    };
    let schema_json: Json = serde_json::from_str(&json).unwrap();
    let mut named_children: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let field_names = schema_json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = f["name"].as_str().unwrap().to_string();
            // An address is ["null", record] the first time, ["null", "Address"] after.
            let children = match &f["type"] {
                Json::Array(branches) => match &branches[1] {
                    Json::Object(record) if record["type"] == "record" => {
                        let children: Vec<String> = record["fields"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|c| c["name"].as_str().unwrap().to_string())
                            .collect();
                        named_children
                            .insert(record["name"].as_str().unwrap().into(), children.clone());
                        children
                    }
                    Json::String(named) => named_children.get(named).cloned().unwrap_or_default(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            (name, children)
        })
        .collect();
    let mut fields = fields.into_iter();
    let (_, header) = fields.next().unwrap();
    let Avro::Record(header) = header else {
        panic!("header")
    };
    Decoded {
        header: header.into_iter().collect(),
        body: fields.collect(),
        fields: field_names,
    }
}
