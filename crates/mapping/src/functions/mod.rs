//! The function library mapping expressions call (registered into [`crate::Env`]).
//!
//! Every function is pure: it reads its arguments (and, for `lookup("name", ...)`, the flow's
//! `tables`) and nothing else. Functions marked *filter* can also be piped
//! (`source.email | trim` is `trim(source.email)`). `none` (a missing field) passes through
//! most functions as `none`; a value that cannot be read fails the expression with an error
//! that names the function and the value, and the engine holds the record with that reason.
//! The user reference with an example per function is `docs/mapping-functions.md`.
//!
//! | function | arguments | result | errors |
//! |---|---|---|---|
//! | `country_code` *filter* | name, alpha-2 or alpha-3 | ISO alpha-2 (`GB`); UK, England, Scotland, Wales, Northern Ireland → `GB` | not a country |
//! | `country_code3` *filter* | name, alpha-2 or alpha-3 | ISO alpha-3 (`GBR`) | not a country |
//! | `country_name` *filter* | name or code | common English name (`United Kingdom`) | not a country |
//! | `state_code` | country, state | US/CA/AU code (`CA`, `ON`, `NSW`); other countries: the state trimmed | unknown US/CA/AU state |
//! | `postal_code` *filter* | code, country? | the country's format (`SW1A 1AA`, `12345-6789`, `K1A 0B1`, `1234 AB`, `D02 X285`, `10115`); others trimmed upper case | not a country |
//! | `normalize_postal` *filter* | code | upper case, no spaces (for matching) | — |
//! | `join_lines` *filter* | lines or lists…, `sep="\n"` | non-blank lines joined; none if all blank | a map argument |
//! | `split_lines` *filter* | text, n | exactly n strings; extra lines joined into the last with ", " | n < 1 |
//! | `phone_e164` *filter* | number, default country? | `+441632960123`; extension dropped | not a phone number, wrong length |
//! | `phone` *filter* | number, default country? | E.164 when readable, else the number as written (trimmed): never holds a record | a map or list |
//! | `split_name` *filter* | full name | `{salutation, first, last}` | — |
//! | `first_name`, `last_name` *filter* | full name | the part | — |
//! | `join_name` | first, last (or up to 3 parts) | parts joined by one space; none if blank | — |
//! | `trim` *filter* | text | trimmed text; none stays none | a map or list |
//! | `blank_to_none` *filter* | value | none for blank text, else the value | — |
//! | `coalesce` | values… | the first non-blank value, else none | — |
//! | `truncate_to` *filter* | text, n | the first n characters | n not a whole number |
//! | `title_case` *filter* | text | `O'Neill-Smith` | — |
//! | `slug` *filter* | text | `cafe-creme-2` | — |
//! | `dec` *filter* | number or text | decimal text | not a decimal |
//! | `dec_add`, `dec_sub`, `dec_mul` | a, b | decimal text | missing or not a decimal, overflow |
//! | `dec_div` | a, b | decimal text (up to 28 digits, trailing zeros dropped) | division by zero |
//! | `dec_round` *filter* | x, `places=2` | rounded half away from zero to exactly `places` decimals | — |
//! | `dec_cmp` | a, b | -1, 0 or 1 | missing or not a decimal |
//! | `sum_over` | map or list, keys or none, field or none | the sum as decimal text; missing entries count 0 | keys on a list, non-decimal values |
//! | `convert` | amount, from, to, rates, base? | amount ÷ rates[from] × rates[to], rounded to 2 places half away from zero | unknown currency, zero rate |
//! | `to_utc` *filter* | date-time | `2026-11-27T09:00:00.000Z` | not a date |
//! | `sf_datetime` *filter* | date-time | `2026-11-27T09:00:00.000+0000` | not a date |
//! | `date_only` *filter* | date-time, UTC offset? | `2026-11-27` (in that offset) | not a date or offset |
//! | `format_date` *filter* | date-time, format | formatted in UTC (`[year]-[month]-[day]`, time crate syntax) | bad format |
//! | `newer` | a, b | true when a is later than b (none is oldest) | not a date |
//! | `lookup` | table (map or name of a flow table), key, `default=none` | exact match, then case-insensitive trimmed | unknown table name |
//! | `pick` | map, keys, `attribute=none` | `map[key]` (or its attribute) for each key with an entry | not a map |
//! | `pairs` | first, list | `[[first, x], …]`: key tuples of a two-field lookup | — |

pub mod address;
mod call;
pub mod countries;
pub mod dates;
pub mod decimal;
mod fold;
mod lists;
mod lookup;
pub mod names;
pub mod phone;
pub mod text;

use call::{Call, Impl};
use minijinja::value::{Kwargs, Rest, Value};
use minijinja::{Environment, Error, State};

/// The library: name, implementation, whether it is also a filter.
const LIBRARY: &[(&str, Impl, bool)] = &[
    ("country_code", address::country_code, true),
    ("country_code3", address::country_code3, true),
    ("country_name", address::country_name, true),
    ("state_code", address::state_code, false),
    ("postal_code", address::postal_code, true),
    ("normalize_postal", address::normalize_postal, true),
    ("join_lines", address::join_lines, true),
    ("split_lines", address::split_lines, true),
    ("phone_e164", phone::phone_e164, true),
    ("phone", phone::phone, true),
    ("split_name", names::split_name, true),
    ("first_name", names::first_name, true),
    ("last_name", names::last_name, true),
    ("join_name", names::join_name, false),
    ("trim", text::trim, true),
    ("blank_to_none", text::blank_to_none, true),
    ("coalesce", text::coalesce, false),
    ("truncate_to", text::truncate_to, true),
    ("title_case", text::title_case, true),
    ("slug", text::slug, true),
    ("dec", decimal::dec, true),
    ("dec_add", decimal::dec_add, false),
    ("dec_sub", decimal::dec_sub, false),
    ("dec_mul", decimal::dec_mul, false),
    ("dec_div", decimal::dec_div, false),
    ("dec_round", decimal::dec_round, true),
    ("dec_cmp", decimal::dec_cmp, false),
    ("sum_over", decimal::sum_over, false),
    ("convert", decimal::convert, false),
    ("to_utc", dates::to_utc, true),
    ("sf_datetime", dates::sf_datetime, true),
    ("date_only", dates::date_only, true),
    ("format_date", dates::format_date, true),
    ("newer", dates::newer, false),
    ("lookup", lookup::lookup, false),
    ("pick", lists::pick, false),
    ("pairs", lists::pairs, false),
];

/// The names of every function of the library (for `ferry flows check` and suggestions).
pub fn names() -> impl Iterator<Item = &'static str> {
    LIBRARY.iter().map(|(name, _, _)| *name)
}

/// Registers every function and filter of the library.
pub fn register(env: &mut Environment<'static>) {
    for &(name, f, filter) in LIBRARY {
        let wrapped = move |state: &State, args: Rest<Value>, kwargs: Kwargs| {
            let call = Call {
                name,
                args: args.0,
                kwargs,
                state,
            };
            let result = f(&call)?;
            call.kwargs
                .assert_all_used()
                .map_err(|e| call.error(e.detail().unwrap_or("unexpected keyword argument")))?;
            Ok::<Value, Error>(result)
        };
        env.add_function(name, wrapped);
        if filter {
            env.add_filter(name, wrapped);
        }
    }
}
