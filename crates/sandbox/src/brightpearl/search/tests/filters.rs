//! Filters by data type, and the refusals of bad values and unknown parameters.

use super::*;

#[test]
fn integer_matches_exactly_and_refuses_text_like_the_recording() {
    assert_eq!(found("count=10"), [1, 4]);
    assert_eq!(found("count=-5"), [5]);
    assert_eq!(found("count= 20 "), [2]);
    assert_eq!(found("count=11"), Vec::<i64>::new());
    // The recorded order_search_bad_param.yml message, byte for byte.
    assert_eq!(
        run(
            &recorded::ORDER_SEARCH,
            Vec::<Row>::new(),
            &pairs("orderStatusId=BAD PARAM"),
            0,
            &|_, _| None,
        ),
        Err(SearchError {
            status: 500,
            code: "CMNC-018",
            message: "The filter orderStatusId=BAD PARAM cannot be parsed as: INTEGER".into(),
        })
    );
    for bad in ["count=1-3", "count=1,2", "count=", "count=1.5"] {
        let name_value = bad.replace("count=", "");
        assert_eq!(
            refusal(bad),
            format!("The filter count={name_value} cannot be parsed as: INTEGER")
        );
    }
}

#[test]
fn idset_takes_ranges_and_lists_and_matches_array_cells() {
    assert_eq!(found("thingId=2"), [2]);
    assert_eq!(found("thingId=1-3,5"), [1, 2, 3, 5]);
    assert_eq!(found("thingId=4,2"), [2, 4]);
    assert_eq!(found("thingId=100-200"), Vec::<i64>::new());
    // A JSON array cell matches when any element does; a bare number is one element.
    assert_eq!(found("tagIds=8"), [1, 2]);
    assert_eq!(found("tagIds=7,9"), [1, 4]);
    // The recorded product_search_bad_param.yml message.
    assert_eq!(
        run(
            &recorded::PRODUCT_SEARCH,
            Vec::<Row>::new(),
            &pairs("productId=BAD PARAM"),
            0,
            &|_, _| None,
        )
        .unwrap_err()
        .message,
        "The filter productId=BAD PARAM cannot be parsed as: IDSET"
    );
    for bad in ["*", "3-1", "", "1,,2", "-1"] {
        assert_eq!(
            refusal(&format!("thingId={bad}")),
            format!("The filter thingId={bad} cannot be parsed as: IDSET")
        );
    }
}

#[test]
fn string_matches_the_whole_value_ignoring_case() {
    assert_eq!(found("code=ABC-1"), [1, 4]);
    assert_eq!(found("code=abc-1"), [1, 4]);
    assert_eq!(found("code=ABC-2"), [2]);
    assert_eq!(found("code=ABC"), Vec::<i64>::new());
    // The empty string is a value: it finds empty cells, not every cell.
    assert_eq!(found("code="), [5]);
    // Money compares by value, whatever the places.
    assert_eq!(found("amount=20"), [2]);
    assert_eq!(found("amount=20.00"), [2]);
    assert_eq!(found("amount=20.001"), Vec::<i64>::new());
}

#[test]
fn search_string_is_a_substring_ignoring_case() {
    assert_eq!(found("name=widget"), [1, 2, 5]);
    assert_eq!(found("name=BLUE"), [1, 5]);
    assert_eq!(found("name=blue widget"), [1]);
    assert_eq!(found("name=ünïcode"), [4]);
    assert_eq!(found("name=ÜNÏCODE GADGET"), [4]);
    assert_eq!(found("name=gadget"), [3, 4]);
    assert_eq!(found("name="), [1, 2, 3, 4, 5]);
}

#[test]
fn boolean_takes_true_or_false() {
    assert_eq!(found("active=true"), [1, 3, 5]);
    assert_eq!(found("active=FALSE"), [2, 4]);
    for bad in ["yes", "1", ""] {
        assert_eq!(
            refusal(&format!("active={bad}")),
            format!("The filter active={bad} cannot be parsed as: BOOLEAN")
        );
    }
}

#[test]
fn string_set_is_separated_by_periods() {
    assert_eq!(found("status=LIVE.DISCONTINUED"), [1, 2, 4, 5]);
    assert_eq!(found("status=draft"), [3]);
    assert_eq!(found("status=LIVE,DRAFT"), Vec::<i64>::new());
}

#[test]
fn period_takes_open_and_closed_ranges_of_dates_and_datetimes() {
    // createdOn: thing N on 2022-01-0N 10:00 UTC; thing 5 has none and never matches.
    assert_eq!(found("createdOn=2022-01-02/"), [2, 3, 4]);
    assert_eq!(found("createdOn=2022-01-02T10:00:00Z/"), [2, 3, 4]);
    assert_eq!(found("createdOn=2022-01-02T10:00:01Z/"), [3, 4]);
    assert_eq!(found("createdOn=/2022-01-02T10:00:00Z"), [1, 2]);
    assert_eq!(found("createdOn=/2022-01-02T09:59:59Z"), [1]);
    // A date-only upper bound covers its whole day.
    assert_eq!(found("createdOn=/2022-01-02"), [1, 2]);
    assert_eq!(found("createdOn=2022-01-02/2022-01-03"), [2, 3]);
    // A single date is that day, a single datetime that instant.
    assert_eq!(found("createdOn=2022-01-03"), [3]);
    assert_eq!(found("createdOn=2022-01-03T10:00:00.000Z"), [3]);
    assert_eq!(found("createdOn=2022-01-03T10:00:01Z"), Vec::<i64>::new());
    // Offsets, including a `+` that arrived as a space.
    assert_eq!(found("createdOn=2022-01-03T04:00:00-06:00/"), [3, 4]);
    assert_eq!(found("createdOn=2022-01-03T11:00:00+01:00/"), [3, 4]);
    assert_eq!(found("createdOn=2022-01-03T11:00:00 01:00/"), [3, 4]);
    assert_eq!(found("createdOn=2022-01-03T11:00:00.000 0100/"), [3, 4]);
    // A reversed range is not an error; it finds nothing.
    assert_eq!(found("createdOn=2022-01-04/2022-01-02"), Vec::<i64>::new());
    // DATETIME reads the same way.
    assert_eq!(found("seenAt=2022-01-04T00:00:00Z/"), [4]);
    for bad in [
        "/",
        "yesterday/",
        "2022-01-01/2022-02-01/2022-03-01",
        "2022-13-01/",
        "",
        "1/",
    ] {
        assert_eq!(
            refusal(&format!("createdOn={bad}")),
            format!("The filter createdOn={bad} cannot be parsed as: PERIOD")
        );
    }
    assert_eq!(
        refusal("seenAt=soon"),
        "The filter seenAt=soon cannot be parsed as: DATETIME"
    );
}

#[test]
fn free_text_needs_every_word_in_some_search_string_column() {
    // No column is flagged free-text, so the SEARCH_STRING column `name` is searched.
    assert_eq!(found("query=widget"), [1, 2, 5]);
    assert_eq!(found("query=Blue  WIDGET"), [1, 5]);
    assert_eq!(found("query=widget gadget"), Vec::<i64>::new());

    static FLAGGED: Catalogue = Catalogue {
        name: "flagged-search",
        columns: &[
            Column::new("id", DataType::IdSet),
            Column::new("first", DataType::String).with_free_text(),
            Column::new("last", DataType::SearchString),
            Column::new("company", DataType::String).with_free_text(),
        ],
        extra_filters: &[Column::new("q", DataType::FreeTextQuery)],
    };
    let row = |id: i64, first: &str, last: &str, company: &str| Row {
        cells: vec![
            Cell::Int(id),
            Cell::from(first.to_string()),
            Cell::from(last.to_string()),
            Cell::from(company.to_string()),
        ],
    };
    let rows = || {
        vec![
            row(1, "Ann", "Smith", "Acme"),
            row(2, "Bob", "Ann", "Initech"),
            row(3, "Annette", "Jones", "Acme Ltd"),
        ]
    };
    let q = |text: &str| ids(&run(&FLAGGED, rows(), &pairs(text), 0, &|_, _| None).unwrap());
    // Only the flagged columns are searched: Bob's last name does not count.
    assert_eq!(q("q=ann"), [1, 3]);
    assert_eq!(q("q=ann ltd"), [3]);
    assert_eq!(q("q=smith"), Vec::<i64>::new());
}

#[test]
fn null_cells_match_no_filter() {
    assert_eq!(found("count=0"), Vec::<i64>::new());
    assert_eq!(found("tagIds=0"), Vec::<i64>::new());
    assert_eq!(found("createdOn=1970-01-01/"), [1, 2, 3, 4]);
}

#[test]
fn filters_combine_with_and() {
    assert_eq!(found("code=ABC-1&active=true"), [1]);
    assert_eq!(found("name=widget&createdOn=2022-01-02/&tagIds=8"), [2]);
}

#[test]
fn unknown_unfilterable_and_repeated_parameters_are_refused() {
    let message = refusal("colour=red");
    assert!(message.starts_with("The filter colour=red is not a filter of thing-search;"));
    assert!(message.contains("tagIds"), "{message}");
    assert!(!message.contains("note"), "{message}");
    assert!(refusal("Code=ABC-1").contains("(did you mean code?)"));
    assert!(refusal("pagesize=5").contains("(did you mean pageSize?)"));
    assert_eq!(
        refusal("note=fixed"),
        "The column note of thing-search cannot be filtered on; remove note=fixed from the \
         query and filter on one of thingId, name, code, count, active, status, createdOn, \
         seenAt, amount, statusId, tagIds, query"
    );
    assert!(
        refusal("createdOn=2022-01-01/&code=X&createdOn=/2022-02-01")
            .starts_with("The parameter createdOn is given 2 times")
    );
    assert!(refusal("pageSize=5&pageSize=6").starts_with("The parameter pageSize is given 2"));
}
