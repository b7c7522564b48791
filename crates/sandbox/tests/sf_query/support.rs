//! Helpers for `sf_query`: records written straight through the org's transactions (fast, and
//! independent of the REST handlers), queries over HTTP, answers checked against Salesforce's
//! shapes, and the random-query generator.

use super::common::TestOrg;
use ferry_sandbox::salesforce::ids::SfId;
use ferry_sandbox::salesforce::org::{Actor, Org};
use ferry_sandbox::salesforce::schema::Schema;
use ferry_sandbox::salesforce::soql;
use ferry_sandbox::salesforce::value::{Value, day_of, format_date, now_ms};
use serde_json::{Map, Value as Json, json};
use std::sync::Arc;
use time::{Date, Duration, Month};

fn actor(org: &TestOrg) -> Actor {
    Actor {
        user: SfId::parse(&org.sandbox.banner.user_id).unwrap(),
        api: "rest",
        version: "59.0".into(),
        client: None,
    }
}

fn fields(value: Json) -> Map<String, Json> {
    match value {
        Json::Object(map) => map,
        other => panic!("fields must be an object: {other}"),
    }
}

/// Creates a record and returns its id.
pub fn insert(org: &TestOrg, object: &str, values: Json) -> String {
    insert_many(org, object, 1, |_| values.clone()).remove(0)
}

/// Creates `count` accounts in one transaction; `values(n)` gives the n-th one's fields.
pub fn insert_accounts(org: &TestOrg, count: usize, values: impl Fn(usize) -> Json) -> Vec<String> {
    insert_many(org, "Account", count, values)
}

fn insert_many(
    org: &TestOrg,
    object: &str,
    count: usize,
    values: impl Fn(usize) -> Json,
) -> Vec<String> {
    let state = org.sandbox.state();
    let mut guard = state.org();
    let index = guard.schema().object(object).unwrap();
    let mut txn = guard.begin(actor(org));
    let ids = (0..count)
        .map(|n| {
            let input = fields(values(n));
            txn.create(index, &input)
                .unwrap_or_else(|e| panic!("creating {object}: {e:?}"))
                .to_string()
        })
        .collect();
    txn.commit();
    ids
}

/// Updates a record.
pub fn update(org: &TestOrg, id: &str, values: Json) {
    let state = org.sandbox.state();
    let mut guard = state.org();
    let id = SfId::parse(id).unwrap();
    let (object, _) = guard.get(id).unwrap();
    let mut txn = guard.begin(actor(org));
    txn.update(object, id, &fields(values)).unwrap();
    txn.commit();
}

/// Moves a record to the recycle bin.
pub fn delete(org: &TestOrg, id: &str) {
    let state = org.sandbox.state();
    let mut guard = state.org();
    let mut txn = guard.begin(actor(org));
    txn.delete(SfId::parse(id).unwrap()).unwrap();
    txn.commit();
}

/// An HTTP answer.
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// The body as JSON.
    pub body: Json,
}

impl Reply {
    /// The body of a 200.
    pub fn ok(self) -> Json {
        assert_eq!(self.status, 200, "{}", self.body);
        self.body
    }

    /// A 400 with one error of this code whose message contains `text`, in Salesforce's error
    /// array shape.
    pub fn assert_error(&self, code: &str, text: &str) {
        assert_eq!(self.status, 400, "{}", self.body);
        let errors = self
            .body
            .as_array()
            .unwrap_or_else(|| panic!("an error array: {}", self.body));
        assert_eq!(errors.len(), 1, "{}", self.body);
        let keys: Vec<&String> = errors[0].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["message", "errorCode"], "{}", self.body);
        assert_eq!(errors[0]["errorCode"], code, "{}", self.body);
        let message = errors[0]["message"].as_str().unwrap();
        assert!(
            message.contains(text),
            "{message:?} should contain {text:?}"
        );
    }

    /// A 400 with exactly this code and message.
    pub fn assert_exact(&self, code: &str, message: &str) {
        self.assert_error(code, message);
        assert_eq!(self.body[0]["message"], message);
    }
}

/// A query request.
pub struct Query {
    soql: String,
    batch_size: Option<usize>,
    all: bool,
}

impl Query {
    /// `GET /query?q=soql`.
    pub fn new(soql: &str) -> Query {
        Query {
            soql: soql.to_string(),
            batch_size: None,
            all: false,
        }
    }

    /// With `Sforce-Query-Options: batchSize=n`.
    pub fn batch_size(mut self, n: usize) -> Query {
        self.batch_size = Some(n);
        self
    }

    /// `queryAll` instead of `query`.
    pub fn all(mut self) -> Query {
        self.all = true;
        self
    }

    /// Sends it.
    pub async fn run(self, org: &TestOrg) -> Reply {
        let resource = if self.all { "/queryAll" } else { "/query" };
        let mut request = org
            .get(&org.data_url("59.0", resource))
            .query(&[("q", &self.soql)]);
        if let Some(n) = self.batch_size {
            request = request.header("Sforce-Query-Options", format!("batchSize={n}"));
        }
        send(request).await
    }
}

async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or(Json::String(text)),
    }
}

/// Runs a query.
pub async fn query(org: &TestOrg, soql: &str) -> Reply {
    Query::new(soql).run(org).await
}

/// Runs a queryAll.
pub async fn query_all(org: &TestOrg, soql: &str) -> Reply {
    Query::new(soql).all().run(org).await
}

/// GETs a path on the instance (e.g. a `nextRecordsUrl`).
pub async fn get(org: &TestOrg, path: &str) -> Reply {
    send(org.get(&format!("{}{path}", org.base))).await
}

/// `records[].Name`.
pub fn names_of(result: &Json) -> Vec<String> {
    column(result, "Name")
}

/// `records[].Id`.
pub fn ids_of(result: &Json) -> Vec<String> {
    column(result, "Id")
}

fn column(result: &Json, field: &str) -> Vec<String> {
    result["records"]
        .as_array()
        .unwrap_or_else(|| panic!("records in {result}"))
        .iter()
        .map(|r| {
            r[field]
                .as_str()
                .unwrap_or_else(|| panic!("{field} in {r}"))
                .to_string()
        })
        .collect()
}

/// Today (UTC) as a day number.
pub fn today() -> i32 {
    day_of(now_ms())
}

/// `yyyy-MM-dd` of a day number.
pub fn date(day: i32) -> String {
    format_date(day)
}

const UNIX_EPOCH_JULIAN: i32 = 2_440_588;

fn to_day(date: Date) -> i32 {
    date.to_julian_day() - UNIX_EPOCH_JULIAN
}

/// The calendar literals and the day ranges `[start, end)` they cover, computed here with the
/// `time` crate (weeks start on Sunday).
pub fn calendar_ranges(today: i32) -> Vec<(&'static str, (i32, i32))> {
    let date = Date::from_julian_day(today + UNIX_EPOCH_JULIAN).unwrap();
    let sunday = date - Duration::days(i64::from(date.weekday().number_days_from_sunday()));
    let month = Date::from_calendar_date(date.year(), date.month(), 1).unwrap();
    let previous_month = Date::from_calendar_date(
        if date.month() == Month::January {
            date.year() - 1
        } else {
            date.year()
        },
        date.month().previous(),
        1,
    )
    .unwrap();
    let next_month = month + Duration::days(i64::from(date.month().length(date.year())));
    let year = Date::from_calendar_date(date.year(), Month::January, 1).unwrap();
    let last_year = Date::from_calendar_date(date.year() - 1, Month::January, 1).unwrap();
    let next_year = Date::from_calendar_date(date.year() + 1, Month::January, 1).unwrap();
    let quarter_month = Month::try_from((date.month() as u8 - 1) / 3 * 3 + 1).unwrap();
    let quarter = Date::from_calendar_date(date.year(), quarter_month, 1).unwrap();
    let next_quarter = if quarter_month == Month::October {
        next_year
    } else {
        Date::from_calendar_date(
            date.year(),
            Month::try_from(quarter_month as u8 + 3).unwrap(),
            1,
        )
        .unwrap()
    };
    let days = |a: Date, b: Date| (to_day(a), to_day(b));
    vec![
        ("THIS_WEEK", days(sunday, sunday + Duration::days(7))),
        ("LAST_WEEK", days(sunday - Duration::days(7), sunday)),
        (
            "NEXT_WEEK",
            days(sunday + Duration::days(7), sunday + Duration::days(14)),
        ),
        ("THIS_MONTH", days(month, next_month)),
        ("LAST_MONTH", days(previous_month, month)),
        ("THIS_QUARTER", days(quarter, next_quarter)),
        ("THIS_FISCAL_QUARTER", days(quarter, next_quarter)),
        ("THIS_YEAR", days(year, next_year)),
        ("LAST_YEAR", days(last_year, year)),
        ("N_DAYS_AGO:5", (today - 5, today - 4)),
    ]
}

/// Pieces random queries are built from: real syntax, so that mangled queries get deep into
/// the parser and the compiler, not only the lexer.
const PIECES: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "Account",
    "Contact",
    "Id",
    "Name",
    "Account.Name",
    "Owner.Name",
    "(SELECT Id FROM Contacts)",
    "COUNT()",
    "COUNT(Id)",
    "SUM(AnnualRevenue)",
    "GROUP BY",
    "ORDER BY",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
    "LIMIT",
    "OFFSET",
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "INCLUDES",
    "=",
    "!=",
    "<",
    ">=",
    "(",
    ")",
    ",",
    ".",
    ":",
    "'x'",
    "'a\\'b'",
    "'%'",
    "'",
    "\\",
    "5",
    "-1.5",
    "2024-01-01",
    "2024-01-01T00:00:00Z",
    "TODAY",
    "LAST_N_DAYS:3",
    "LAST_N_DAYS",
    "null",
    "true",
    "NumberOfEmployees",
    "CreatedDate",
    "SystemModstamp",
    "FIELDS(ALL)",
    "é",
    "\u{0}",
    "99999999999999999999999",
    "Contacts",
    "Foo",
    "__c",
    "--",
    ";",
    "\n",
];

const SEEDS: &[&str] = &[
    "SELECT Id, Name, Account.Name FROM Contact WHERE Name LIKE 'a%' ORDER BY Name LIMIT 5",
    "SELECT Name, (SELECT LastName FROM Contacts WHERE LastName != null) FROM Account",
    "SELECT Type, COUNT(Id), MAX(NumberOfEmployees) FROM Account GROUP BY Type ORDER BY COUNT(Id) DESC",
    "SELECT Id FROM Account WHERE (Name = 'x' OR NOT Name IN ('y', 'z')) AND CreatedDate = LAST_N_DAYS:3",
    "SELECT COUNT() FROM Account WHERE SystemModstamp > 2024-01-01T00:00:00Z",
];

/// A small deterministic generator (no external crate needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Runs `rounds` random token soups, mangled real queries and random bytes through
/// `soql::execute` on an org with a few records, rendering every result; any panic fails the
/// test, and every refusal must be one of Salesforce's query error codes.
pub fn fuzz(rounds: usize) {
    let schema = Arc::new(Schema::built_in().unwrap());
    let mut org = Org::new(schema);
    seed(&mut org);
    let mut random = Lcg(0x5eed);
    let known = [
        "MALFORMED_QUERY",
        "INVALID_FIELD",
        "INVALID_TYPE",
        "INVALID_QUERY_FILTER_OPERATOR",
        "NUMBER_OUTSIDE_VALID_RANGE",
    ];
    let mut accepted = 0;
    for round in 0..rounds {
        let text = match round % 3 {
            0 => (0..random.below(12) + 1)
                .map(|_| PIECES[random.below(PIECES.len())])
                .collect::<Vec<_>>()
                .join(" "),
            1 => {
                let mut chars: Vec<char> = SEEDS[random.below(SEEDS.len())].chars().collect();
                for _ in 0..random.below(4) + 1 {
                    let at = random.below(chars.len() + 1);
                    match random.below(3) {
                        0 if at < chars.len() => {
                            chars.remove(at);
                        }
                        1 => chars.truncate(at),
                        _ => {
                            let piece = PIECES[random.below(PIECES.len())];
                            for (i, c) in piece.chars().enumerate() {
                                chars.insert((at + i).min(chars.len()), c);
                            }
                        }
                    }
                }
                chars.into_iter().collect()
            }
            _ => (0..random.below(40))
                .map(|_| char::from_u32(random.below(0x250) as u32).unwrap_or('?'))
                .collect(),
        };
        match soql::execute(&org, &text, round % 2 == 0) {
            Ok(result) => {
                accepted += 1;
                let _ = result.json_records(&org, 0..result.row_count(), "v59.0");
                for index in 0..result.row_count() {
                    let _ = result.csv_row(&org, index);
                }
                let _ = result.csv_header();
            }
            Err(error) => {
                assert!(known.contains(&error.code.as_str()), "{text:?}: {error:?}");
                assert!(!error.message.is_empty(), "{text:?}");
            }
        }
    }
    assert!(accepted > 0, "some mangled queries are still valid and run");
}

fn seed(org: &mut Org) {
    let account = org.schema().object("Account").unwrap();
    let contact = org.schema().object("Contact").unwrap();
    let users = org.schema().object("User").unwrap();
    let user = org.insert_system(
        users,
        &[
            ("Username", Value::Text("fuzz@example.com".into())),
            ("LastName", Value::Text("Fuzz".into())),
            ("Name", Value::Text("Fuzz".into())),
        ],
    );
    let mut txn = org.begin(Actor {
        user,
        api: "rest",
        version: "59.0".into(),
        client: None,
    });
    for n in 0..5 {
        let id = txn
            .create(
                account,
                &fields(json!({"Name": format!("a{n}"), "NumberOfEmployees": n})),
            )
            .unwrap();
        txn.create(
            contact,
            &fields(json!({"LastName": format!("c{n}"), "AccountId": id.to_string()})),
        )
        .unwrap();
    }
    txn.commit();
}
