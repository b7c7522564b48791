//! Sorting, paging, `columns`, `metaData` and `reference`.

use super::*;

#[test]
fn sorts_by_both_syntaxes_and_several_keys() {
    assert_eq!(found(""), [1, 2, 3, 4, 5]);
    assert_eq!(found("sort=thingId.DESC"), [5, 4, 3, 2, 1]);
    assert_eq!(found("sort=thingId|DESC"), [5, 4, 3, 2, 1]);
    assert_eq!(found("sort=thingId|desc"), [5, 4, 3, 2, 1]);
    assert_eq!(found("sort=thingId.ASC"), [1, 2, 3, 4, 5]);
    // Several keys; ties fall back to the first column ascending.
    assert_eq!(found("sort=code,count.DESC"), [5, 1, 4, 2, 3]);
    assert_eq!(found("sort=code|ASC,count|DESC"), [5, 1, 4, 2, 3]);
    assert_eq!(found("sort=active.DESC,code.DESC"), [3, 1, 5, 2, 4]);
    // Text ignores case; nulls come first ascending and last descending.
    assert_eq!(found("sort=name"), [1, 3, 2, 5, 4]);
    assert_eq!(found("sort=count"), [3, 5, 1, 4, 2]);
    assert_eq!(found("sort=count.DESC"), [2, 1, 4, 5, 3]);
    assert_eq!(found("sort=createdOn.DESC"), [4, 3, 2, 1, 5]);

    let body = search("sort=code|DESC,count").unwrap();
    let sorting = &body["response"]["metaData"]["sorting"];
    assert_eq!(sorting.as_array().unwrap().len(), 2);
    assert_eq!(sorting[0]["filterable"]["name"], "code");
    assert_eq!(sorting[0]["direction"], "DESC");
    assert_eq!(sorting[1]["filterable"]["name"], "count");
    assert_eq!(sorting[1]["direction"], "ASC");
    let default = search("").unwrap();
    assert_eq!(
        default["response"]["metaData"]["sorting"],
        json!([{"filterable": THINGS.columns[0].to_json(), "direction": "ASC"}])
    );
}

#[test]
fn bad_sorts_are_refused() {
    assert!(
        refusal("sort=amount")
            .starts_with("sort=amount: the column amount of thing-search is not sortable")
    );
    assert!(
        refusal("sort=colour.DESC")
            .starts_with("sort=colour.DESC: thing-search has no column colour;")
    );
    assert!(refusal("sort=Name").contains("(did you mean name?)"));
    assert!(refusal("sort=tagIds").contains("has no column tagIds"));
    assert!(
        refusal("sort=name|UP")
            .starts_with("sort=name|UP: the direction UP of name is neither ASC nor DESC")
    );
    assert!(refusal("sort=name,name.DESC").contains("names name twice"));
    // A direction-like suffix that is not one is part of the (unknown) name.
    assert!(refusal("sort=name.UP").contains("has no column name.UP"));
}

/// `n` eager rows: id, a repeating group (ties), and a text with mixed case.
fn rows(n: i64) -> Vec<Row> {
    (1..=n)
        .map(|id| Row {
            cells: vec![
                Cell::Int(id),
                Cell::Int(id % 7),
                Cell::from(if id % 2 == 0 {
                    format!("Item {id}")
                } else {
                    format!("item {id}")
                }),
            ],
        })
        .collect()
}

static NUMBERS: Catalogue = Catalogue {
    name: "number-search",
    columns: &[
        Column::new("id", DataType::IdSet),
        Column::new("group", DataType::Integer),
        Column::new("label", DataType::SearchString),
    ],
    extra_filters: &[],
};

fn numbers(n: i64, query: &str) -> Json {
    run(&NUMBERS, rows(n), &pairs(query), 0, &|_, _| None).unwrap()
}

#[test]
fn paging_to_the_last_page_returns_every_row_once() {
    for sort in [
        "",
        "&sort=group.DESC",
        "&sort=label|DESC",
        "&sort=group,label.DESC",
    ] {
        let total = 1234;
        let mut seen = Vec::new();
        let mut first = 1;
        loop {
            let body = numbers(total, &format!("pageSize=100&firstResult={first}{sort}"));
            let meta = &body["response"]["metaData"];
            let page = ids(&body);
            assert_eq!(meta["resultsAvailable"], total);
            assert_eq!(meta["resultsReturned"], page.len());
            assert_eq!(meta["firstResult"], first);
            let last = meta["lastResult"].as_i64().unwrap();
            assert_eq!(last, first + page.len() as i64 - 1);
            seen.extend(page);
            if meta["morePagesAvailable"] == false {
                assert_eq!(last, total, "{sort}");
                assert_eq!(meta["resultsReturned"], 34);
                break;
            }
            assert_eq!(meta["resultsReturned"], 100);
            first = last + 1;
        }
        let mut sorted = seen.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), seen.len(), "a row came twice with {sort:?}");
        assert_eq!(sorted, (1..=total).collect::<Vec<_>>(), "{sort}");
    }
    // The pages concatenate to the unpaged order.
    let whole = ids(&numbers(60, "sort=group.DESC"));
    let halves = [
        ids(&numbers(60, "sort=group.DESC&pageSize=25")),
        ids(&numbers(60, "sort=group.DESC&pageSize=25&firstResult=26")),
        ids(&numbers(60, "sort=group.DESC&pageSize=25&firstResult=51")),
    ]
    .concat();
    assert_eq!(whole, halves);
    assert_eq!(&whole[..3], [6, 13, 20]);
}

#[test]
fn page_size_defaults_to_500_and_is_clamped_there() {
    let meta = |query: &str| numbers(1200, query)["response"]["metaData"].clone();
    assert_eq!(meta("")["resultsReturned"], 500);
    assert_eq!(meta("")["morePagesAvailable"], true);
    assert_eq!(meta("pageSize=1000")["resultsReturned"], 500);
    assert_eq!(
        meta("pageSize=1000&firstResult=1001")["resultsReturned"],
        200
    );
    assert_eq!(meta("pageSize=1000&firstResult=1001")["lastResult"], 1200);
    assert_eq!(meta("pageSize=1")["lastResult"], 1);
    for bad in [
        "pageSize=0",
        "pageSize=ten",
        "firstResult=0",
        "firstResult=-1",
        "pageSize=",
    ] {
        let message = refusal(bad);
        assert!(
            message.starts_with(&format!("{bad} is not a whole number of 1 or more")),
            "{message}"
        );
    }
}

#[test]
fn empty_results_have_no_first_or_last_result() {
    for query in ["thingId=999", "firstResult=6", "firstResult=99999999999"] {
        let body = search(query).unwrap();
        let meta = body["response"]["metaData"].as_object().unwrap();
        let keys: Vec<&str> = meta.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "morePagesAvailable",
                "resultsAvailable",
                "resultsReturned",
                "columns",
                "sorting"
            ],
            "{query}"
        );
        assert_eq!(meta["resultsReturned"], 0);
        assert_eq!(meta["morePagesAvailable"], false);
        assert_eq!(body["response"]["results"], json!([]));
        assert_eq!(body["reference"], json!({}));
    }
    assert_eq!(
        search("firstResult=6").unwrap()["response"]["metaData"]["resultsAvailable"],
        5
    );
}

#[test]
fn columns_restrict_and_order_the_output() {
    let body = search("columns=code,thingId,createdOn,amount&sort=count.DESC").unwrap();
    let meta = &body["response"]["metaData"];
    let names: Vec<&str> = meta["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["code", "thingId", "createdOn", "amount"]);
    // Sorting by a column that is not returned is allowed; every cell renders in wire form.
    assert_eq!(
        body["response"]["results"],
        json!([
            ["abc-2", 2, "2022-01-02T04:00:00.000-06:00", "20.00"],
            ["ABC-1", 1, "2022-01-01T04:00:00.000-06:00", "10.00"],
            ["ABC-1", 4, "2022-01-04T04:00:00.000-06:00", "40.00"],
            ["", 5, null, "50.00"],
            ["XYZ", 3, "2022-01-03T04:00:00.000-06:00", "30.00"],
        ])
    );
    // No statusId column, so no reference either.
    assert_eq!(body["reference"], json!({}));
    assert_eq!(ids(&search("columns=").unwrap()), [1, 2, 3, 4, 5]);
    assert!(refusal("columns=code,tagIds").contains("thing-search has no column tagIds"));
    assert!(refusal("columns=Code").contains("(did you mean code?)"));
    assert!(refusal("columns=code,code").contains("names code twice"));
}

#[test]
fn reference_holds_only_what_the_returned_rows_use() {
    let asked = std::cell::RefCell::new(Vec::new());
    let lookup = |name: &str, cell: &Cell<'_>| {
        asked.borrow_mut().push(format!("{name}:{cell:?}"));
        status_names(name, cell)
    };
    let body = run(&THINGS, things(), &pairs("sort=thingId.DESC"), 0, &lookup).unwrap();
    // Ids ascending; 99 has no entry and is left out.
    assert_eq!(
        serde_json::to_string(&body["reference"]).unwrap(),
        r#"{"statusNames":{"3":"New phone order","6":"Pending PO","10":"Sales credit"}}"#
    );
    // One question per distinct key.
    assert_eq!(asked.borrow().len(), 4);
    let body = run(&THINGS, things(), &pairs("thingId=3-5"), 0, &status_names).unwrap();
    assert_eq!(
        body["reference"],
        json!({"statusNames": {"6": "Pending PO", "10": "Sales credit"}})
    );
    let body = run(&THINGS, things(), &pairs("pageSize=2"), 0, &status_names).unwrap();
    assert_eq!(
        body["reference"],
        json!({"statusNames": {"3": "New phone order"}})
    );
    let body = run(&THINGS, things(), &pairs("thingId=5"), 0, &status_names).unwrap();
    assert_eq!(body["reference"], json!({}));
}

#[test]
fn a_large_search_reads_each_sort_key_once_and_renders_only_the_page() {
    let count = 100_000;
    let records: Vec<Thing> = (1..=count)
        .map(|id| Thing {
            id,
            name: format!("thing {}", (id * 7919) % count),
            code: "C",
            count: Some(id),
            active: id % 2 == 0,
            status: "LIVE",
            created_on: Some(id * 1000),
            amount: Decimal::new(id, 2),
            status_id: id % 4,
            tags: Json::Null,
            reads: Counter::new(0),
        })
        .collect();
    let started = std::time::Instant::now();
    let body = run(
        &THINGS,
        records.iter(),
        &pairs("sort=name.DESC&firstResult=401&pageSize=200"),
        0,
        &status_names,
    )
    .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(body["response"]["metaData"]["resultsAvailable"], count);
    assert_eq!(body["response"]["metaData"]["resultsReturned"], 200);
    let reads: usize = records.iter().map(|r| r.reads.get()).sum();
    // Two sort keys (name, then the id tie-break) per record, then 11 columns and one
    // reference look-up per returned row.
    let expected = 2 * count as usize + 200 * (THINGS.columns.len() + 1);
    assert_eq!(reads, expected);
    // Generous even for an unoptimised build; catches an accidental quadratic step.
    assert!(elapsed.as_secs() < 10, "{elapsed:?}");
}
