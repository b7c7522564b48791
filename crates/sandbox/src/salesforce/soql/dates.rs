//! SOQL's relative date literals (`TODAY`, `LAST_N_DAYS:7`, `THIS_MONTH` ...), each a range
//! of whole days in UTC. Weeks start on Sunday, as in the default (en_US) locale; the fiscal
//! year is the calendar year, as in an org that never changed its fiscal year settings.

use time::{Date, Month};

/// A relative date literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelativeDate {
    /// `YESTERDAY`
    Yesterday,
    /// `TODAY`
    Today,
    /// `TOMORROW`
    Tomorrow,
    /// `LAST_WEEK`, `THIS_WEEK`, `NEXT_WEEK`: -1, 0, 1.
    Week(i32),
    /// `LAST_MONTH`, `THIS_MONTH`, `NEXT_MONTH`.
    Month(i32),
    /// `LAST_QUARTER`, `THIS_QUARTER`, `NEXT_QUARTER` (and the `_FISCAL_` forms).
    Quarter(i32),
    /// `LAST_YEAR`, `THIS_YEAR`, `NEXT_YEAR` (and the `_FISCAL_` forms).
    Year(i32),
    /// `LAST_N_DAYS:n` (today and the n days before), `LAST_90_DAYS`.
    LastDays(u32),
    /// `NEXT_N_DAYS:n` (the n days after today), `NEXT_90_DAYS`.
    NextDays(u32),
    /// `N_DAYS_AGO:n`
    DaysAgo(u32),
    /// `LAST_N_WEEKS:n` (the n weeks before this one).
    LastWeeks(u32),
    /// `NEXT_N_WEEKS:n` (the n weeks after this one).
    NextWeeks(u32),
    /// `LAST_N_MONTHS:n` (the n months before this one).
    LastMonths(u32),
    /// `NEXT_N_MONTHS:n` (the n months after this one).
    NextMonths(u32),
    /// `LAST_N_QUARTERS:n` (the n quarters before this one).
    LastQuarters(u32),
    /// `NEXT_N_QUARTERS:n` (the n quarters after this one).
    NextQuarters(u32),
    /// `LAST_N_YEARS:n` (the n years before this one).
    LastYears(u32),
    /// `NEXT_N_YEARS:n` (the n years after this one).
    NextYears(u32),
}

/// Whether a name is a literal that takes `:n`.
pub fn takes_number(name: &str) -> bool {
    matches!(
        name.to_ascii_uppercase().as_str(),
        "LAST_N_DAYS"
            | "NEXT_N_DAYS"
            | "N_DAYS_AGO"
            | "LAST_N_WEEKS"
            | "NEXT_N_WEEKS"
            | "LAST_N_MONTHS"
            | "NEXT_N_MONTHS"
            | "LAST_N_QUARTERS"
            | "NEXT_N_QUARTERS"
            | "LAST_N_FISCAL_QUARTERS"
            | "NEXT_N_FISCAL_QUARTERS"
            | "LAST_N_YEARS"
            | "NEXT_N_YEARS"
            | "LAST_N_FISCAL_YEARS"
            | "NEXT_N_FISCAL_YEARS"
    )
}

impl RelativeDate {
    /// The literal named `name` (any case), with its `:n` when it takes one.
    pub fn parse(name: &str, n: Option<u32>) -> Option<RelativeDate> {
        // The fiscal year is the calendar year here.
        let upper = name.to_ascii_uppercase().replace("_FISCAL_", "_");
        let literal = match (upper.as_str(), n) {
            ("YESTERDAY", None) => RelativeDate::Yesterday,
            ("TODAY", None) => RelativeDate::Today,
            ("TOMORROW", None) => RelativeDate::Tomorrow,
            ("LAST_WEEK", None) => RelativeDate::Week(-1),
            ("THIS_WEEK", None) => RelativeDate::Week(0),
            ("NEXT_WEEK", None) => RelativeDate::Week(1),
            ("LAST_MONTH", None) => RelativeDate::Month(-1),
            ("THIS_MONTH", None) => RelativeDate::Month(0),
            ("NEXT_MONTH", None) => RelativeDate::Month(1),
            ("LAST_QUARTER", None) => RelativeDate::Quarter(-1),
            ("THIS_QUARTER", None) => RelativeDate::Quarter(0),
            ("NEXT_QUARTER", None) => RelativeDate::Quarter(1),
            ("LAST_YEAR", None) => RelativeDate::Year(-1),
            ("THIS_YEAR", None) => RelativeDate::Year(0),
            ("NEXT_YEAR", None) => RelativeDate::Year(1),
            ("LAST_90_DAYS", None) => RelativeDate::LastDays(90),
            ("NEXT_90_DAYS", None) => RelativeDate::NextDays(90),
            ("LAST_N_DAYS", Some(n)) => RelativeDate::LastDays(n),
            ("NEXT_N_DAYS", Some(n)) => RelativeDate::NextDays(n),
            ("N_DAYS_AGO", Some(n)) => RelativeDate::DaysAgo(n),
            ("LAST_N_WEEKS", Some(n)) => RelativeDate::LastWeeks(n),
            ("NEXT_N_WEEKS", Some(n)) => RelativeDate::NextWeeks(n),
            ("LAST_N_MONTHS", Some(n)) => RelativeDate::LastMonths(n),
            ("NEXT_N_MONTHS", Some(n)) => RelativeDate::NextMonths(n),
            ("LAST_N_QUARTERS", Some(n)) => RelativeDate::LastQuarters(n),
            ("NEXT_N_QUARTERS", Some(n)) => RelativeDate::NextQuarters(n),
            ("LAST_N_YEARS", Some(n)) => RelativeDate::LastYears(n),
            ("NEXT_N_YEARS", Some(n)) => RelativeDate::NextYears(n),
            _ => return None,
        };
        Some(literal)
    }

    /// The days the literal covers, as `[start, end)` day numbers, when today is `today`.
    pub fn range(self, today: i32) -> (i32, i32) {
        let n = |n: u32| n.min(100_000) as i32;
        let week = today - (today + 4).rem_euclid(7); // 1970-01-01 was a Thursday.
        match self {
            RelativeDate::Yesterday => (today - 1, today),
            RelativeDate::Today => (today, today + 1),
            RelativeDate::Tomorrow => (today + 1, today + 2),
            RelativeDate::Week(k) => (week + 7 * k, week + 7 * (k + 1)),
            RelativeDate::Month(k) => (month_start(today, k), month_start(today, k + 1)),
            RelativeDate::Quarter(k) => (quarter_start(today, k), quarter_start(today, k + 1)),
            RelativeDate::Year(k) => (year_start(today, k), year_start(today, k + 1)),
            RelativeDate::LastDays(d) => (today - n(d), today + 1),
            RelativeDate::NextDays(d) => (today + 1, today + 1 + n(d)),
            RelativeDate::DaysAgo(d) => (today - n(d), today - n(d) + 1),
            RelativeDate::LastWeeks(w) => (week - 7 * n(w), week),
            RelativeDate::NextWeeks(w) => (week + 7, week + 7 + 7 * n(w)),
            RelativeDate::LastMonths(m) => (month_start(today, -n(m)), month_start(today, 0)),
            RelativeDate::NextMonths(m) => (month_start(today, 1), month_start(today, 1 + n(m))),
            RelativeDate::LastQuarters(q) => (quarter_start(today, -n(q)), quarter_start(today, 0)),
            RelativeDate::NextQuarters(q) => {
                (quarter_start(today, 1), quarter_start(today, 1 + n(q)))
            }
            RelativeDate::LastYears(y) => (year_start(today, -n(y)), year_start(today, 0)),
            RelativeDate::NextYears(y) => (year_start(today, 1), year_start(today, 1 + n(y))),
        }
    }
}

const UNIX_EPOCH_JULIAN: i32 = 2_440_588;

fn to_date(days: i32) -> Date {
    Date::from_julian_day(days + UNIX_EPOCH_JULIAN).unwrap_or(Date::MIN)
}

fn from_date(date: Date) -> i32 {
    date.to_julian_day() - UNIX_EPOCH_JULIAN
}

/// The first day of the month `offset` months from the month of `today`.
fn month_start(today: i32, offset: i32) -> i32 {
    let date = to_date(today);
    let index = date.year() * 12 + (date.month() as i32 - 1) + offset;
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
    let month = Month::try_from(month as u8).unwrap_or(Month::January);
    Date::from_calendar_date(year.clamp(-9999, 9999), month, 1).map_or(today, from_date)
}

/// The first day of the quarter `offset` quarters from the quarter of `today`.
fn quarter_start(today: i32, offset: i32) -> i32 {
    let into_quarter = (to_date(today).month() as i32 - 1) % 3;
    month_start(today, 3 * offset - into_quarter)
}

/// The first day of the year `offset` years from the year of `today`.
fn year_start(today: i32, offset: i32) -> i32 {
    let year = (to_date(today).year() + offset).clamp(-9999, 9999);
    Date::from_calendar_date(year, Month::January, 1).map_or(today, from_date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::value::parse_date;

    fn day(text: &str) -> i32 {
        parse_date(text).unwrap()
    }

    #[test]
    fn ranges_cover_whole_days_weeks_months_and_years() {
        let today = day("2024-03-14"); // a Thursday
        let range = |literal: RelativeDate| literal.range(today);
        assert_eq!(range(RelativeDate::Today), (today, today + 1));
        assert_eq!(
            range(RelativeDate::LastDays(7)),
            (day("2024-03-07"), day("2024-03-15"))
        );
        assert_eq!(
            range(RelativeDate::NextDays(2)),
            (day("2024-03-15"), day("2024-03-17"))
        );
        assert_eq!(
            range(RelativeDate::Week(0)),
            (day("2024-03-10"), day("2024-03-17"))
        );
        assert_eq!(
            range(RelativeDate::Week(-1)),
            (day("2024-03-03"), day("2024-03-10"))
        );
        assert_eq!(
            range(RelativeDate::Month(-1)),
            (day("2024-02-01"), day("2024-03-01"))
        );
        assert_eq!(
            range(RelativeDate::Month(0)),
            (day("2024-03-01"), day("2024-04-01"))
        );
        assert_eq!(
            range(RelativeDate::Year(0)),
            (day("2024-01-01"), day("2025-01-01"))
        );
        assert_eq!(
            range(RelativeDate::Quarter(0)),
            (day("2024-01-01"), day("2024-04-01"))
        );
        assert_eq!(
            range(RelativeDate::LastQuarters(2)),
            (day("2023-07-01"), day("2024-01-01"))
        );
        assert_eq!(
            RelativeDate::parse("THIS_FISCAL_QUARTER", None),
            Some(RelativeDate::Quarter(0))
        );
        assert_eq!(
            RelativeDate::parse("next_n_fiscal_years", Some(2)),
            Some(RelativeDate::NextYears(2))
        );
        let january = day("2024-01-20");
        assert_eq!(
            RelativeDate::Month(-1).range(january),
            (day("2023-12-01"), day("2024-01-01"))
        );
        assert_eq!(
            RelativeDate::parse("last_n_days", Some(3)),
            Some(RelativeDate::LastDays(3))
        );
        assert_eq!(RelativeDate::parse("LAST_N_DAYS", None), None);
    }
}
