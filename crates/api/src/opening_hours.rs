//! Opening hours as the platform enforces them and the console estimates offline: checked
//! once when set (`Hours::check`), then turned into UTC instants for a venue-local date in
//! the venue's zone, so that hours are right on the days the clocks change.
//!
//! A period belongs to the date it opens on: Saturday `18:00`–`02:00` is Saturday's, and
//! runs into Sunday morning. An exception replaces the periods that open on its date.
//! Local times the clocks skip (spring forward) move to the first time that exists after
//! them; times they repeat (fall back) mean their first occurrence.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use time::OffsetDateTime;

use crate::front_desk::{HoursException, WeeklyPeriod};
use crate::venue_time::{self, VenueTimeError};

/// More than anyone needs: four periods a day, a year and a month of exceptions.
pub const MAX_WEEKLY: usize = 28;
pub const MAX_EXCEPTIONS: usize = 400;
const MINUTES_A_DAY: i64 = 24 * 60;
const MINUTES_A_WEEK: i64 = 7 * MINUTES_A_DAY;
/// Longest run of local time a clock change skips (see `venue_time`).
const LONGEST_GAP_MINUTES: i64 = 180;

/// A refused field: its path in the body (`weekly[2].closes`) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {message}")]
pub struct HoursError {
    pub field: String,
    pub message: String,
}

fn refuse(field: impl Into<String>, message: impl Into<String>) -> HoursError {
    HoursError { field: field.into(), message: message.into() }
}

/// One period: when `closes` is not after `opens` it passes midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Period {
    opens: NaiveTime,
    closes: NaiveTime,
}

impl Period {
    fn minutes(self) -> i64 {
        let len = minute_of_day(self.closes) - minute_of_day(self.opens);
        if len <= 0 { len + MINUTES_A_DAY } else { len }
    }
}

fn minute_of_day(t: NaiveTime) -> i64 {
    i64::from(chrono::Timelike::hour(&t)) * 60 + i64::from(chrono::Timelike::minute(&t))
}

/// `HH:MM`, 00:00–23:59, exactly.
fn clock(field: &str, s: &str) -> Result<NaiveTime, HoursError> {
    let ok = s.len() == 5 && s.as_bytes()[2] == b':';
    ok.then(|| NaiveTime::parse_from_str(s, "%H:%M").ok())
        .flatten()
        .ok_or_else(|| refuse(field, "must be a time HH:MM between 00:00 and 23:59"))
}

fn period(field: &str, opens: &str, closes: &str) -> Result<Period, HoursError> {
    let p =
        Period { opens: clock(&format!("{field}.opens"), opens)?, closes: clock(&format!("{field}.closes"), closes)? };
    if p.opens == p.closes {
        return Err(refuse(
            format!("{field}.closes"),
            "must differ from opens (a period passing midnight closes the next day)",
        ));
    }
    Ok(p)
}

/// Checked opening hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hours {
    /// Index 0 is Monday.
    weekly: [Vec<Period>; 7],
    /// `None`: closed that date.
    exceptions: BTreeMap<NaiveDate, Option<Period>>,
}

impl Hours {
    /// Checks the lists as `PUT …/opening-hours` sends them: well-formed times, weekdays
    /// 1–7, no two weekly periods overlapping (across midnight and Sunday→Monday too), each
    /// date once, a closed date without times and an open one with both.
    pub fn check(weekly: &[WeeklyPeriod], exceptions: &[HoursException]) -> Result<Hours, HoursError> {
        if weekly.len() > MAX_WEEKLY {
            return Err(refuse("weekly", format!("has at most {MAX_WEEKLY} periods")));
        }
        if exceptions.len() > MAX_EXCEPTIONS {
            return Err(refuse("exceptions", format!("has at most {MAX_EXCEPTIONS} dates")));
        }
        let mut hours = Hours::default();
        let mut spans: Vec<(i64, i64, usize)> = Vec::new();
        for (i, w) in weekly.iter().enumerate() {
            let field = format!("weekly[{i}]");
            if !(1..=7).contains(&w.weekday) {
                return Err(refuse(format!("{field}.weekday"), "must be 1 (Monday) to 7 (Sunday)"));
            }
            let p = period(&field, &w.opens, &w.closes)?;
            let start = i64::from(w.weekday - 1) * MINUTES_A_DAY + minute_of_day(p.opens);
            spans.push((start, start + p.minutes(), i));
            hours.weekly[usize::from(w.weekday - 1)].push(p);
        }
        // Overlaps on the week's circle: compare each pair, the later one also a week on.
        for (a, &(s1, e1, _)) in spans.iter().enumerate() {
            for &(s2, e2, j) in &spans[a + 1..] {
                let overlaps = |s: i64, e: i64| s1 < e && s < e1;
                if overlaps(s2, e2)
                    || overlaps(s2 + MINUTES_A_WEEK, e2 + MINUTES_A_WEEK)
                    || overlaps(s2 - MINUTES_A_WEEK, e2 - MINUTES_A_WEEK)
                {
                    return Err(refuse(format!("weekly[{j}]"), "overlaps another period"));
                }
            }
        }
        for p in &mut hours.weekly {
            p.sort_by_key(|p| p.opens);
        }
        for (i, x) in exceptions.iter().enumerate() {
            let field = format!("exceptions[{i}]");
            let date = venue_time::parse_date(&x.date)
                .map_err(|_| refuse(format!("{field}.date"), "must be a date YYYY-MM-DD"))?;
            let rule = match (x.closed, x.opens.as_deref(), x.closes.as_deref()) {
                (true, None, None) => None,
                (true, _, _) => return Err(refuse(format!("{field}.opens"), "a closed date has no opens or closes")),
                (false, Some(o), Some(c)) => Some(period(&field, o, c)?),
                (false, _, _) => return Err(refuse(format!("{field}.opens"), "an open date needs opens and closes")),
            };
            if hours.exceptions.insert(date, rule).is_some() {
                return Err(refuse(format!("{field}.date"), "is listed twice"));
            }
        }
        Ok(hours)
    }

    /// No period at all and no exception: the venue has not said when it opens.
    pub fn is_empty(&self) -> bool {
        self.weekly.iter().all(Vec::is_empty) && self.exceptions.is_empty()
    }

    fn rules_for(&self, date: NaiveDate) -> Vec<Period> {
        match self.exceptions.get(&date) {
            Some(Some(p)) => vec![*p],
            Some(None) => Vec::new(),
            None => self.weekly[date.weekday().num_days_from_monday() as usize].clone(),
        }
    }

    /// The periods that open on the venue-local `date`, as `[opens, closes)` in UTC, in order.
    pub fn periods(&self, tz: Tz, date: NaiveDate) -> Result<Vec<(OffsetDateTime, OffsetDateTime)>, VenueTimeError> {
        let next = date.succ_opt().ok_or(VenueTimeError::OutOfRange)?;
        self.rules_for(date)
            .into_iter()
            .map(|p| {
                let close_date = if p.closes <= p.opens { next } else { date };
                Ok((wall(tz, date, p.opens)?, wall(tz, close_date, p.closes)?))
            })
            .filter(|r| !matches!(r, Ok((o, c)) if c <= o))
            .collect()
    }

    /// Whether `[start, end)` lies wholly within opening hours (periods that touch count as
    /// one: `12:00`–`15:00` and `15:00`–`23:00` cover a booking from 14:00 to 16:00).
    pub fn covers(&self, tz: Tz, start: OffsetDateTime, end: OffsetDateTime) -> Result<bool, VenueTimeError> {
        let day = venue_time::local_date(tz, start)?;
        let mut periods = Vec::new();
        for d in [day.pred_opt(), Some(day), day.succ_opt()].into_iter().flatten() {
            periods.extend(self.periods(tz, d)?);
        }
        periods.sort();
        let mut merged: Vec<(OffsetDateTime, OffsetDateTime)> = Vec::new();
        for (o, c) in periods {
            match merged.last_mut() {
                Some(last) if o <= last.1 => last.1 = last.1.max(c),
                _ => merged.push((o, c)),
            }
        }
        Ok(merged.iter().any(|&(o, c)| o <= start && end <= c))
    }
}

/// The instant of a local wall-clock time on a date; a skipped time moves to the first that
/// exists after it.
fn wall(tz: Tz, date: NaiveDate, t: NaiveTime) -> Result<OffsetDateTime, VenueTimeError> {
    let local = date.and_time(t);
    for m in 0..=LONGEST_GAP_MINUTES {
        let at = local + chrono::Duration::minutes(m);
        if tz.from_local_datetime(&at).earliest().is_some() {
            return venue_time::instant(tz, at);
        }
    }
    Err(VenueTimeError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use time::format_description::well_known::Rfc3339;

    use super::*;

    fn utc(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &Rfc3339).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        venue_time::parse_date(s).unwrap()
    }

    fn w(weekday: u8, opens: &str, closes: &str) -> WeeklyPeriod {
        WeeklyPeriod { weekday, opens: opens.into(), closes: closes.into() }
    }

    fn x(d: &str, hours: Option<(&str, &str)>) -> HoursException {
        HoursException {
            date: d.into(),
            closed: hours.is_none(),
            opens: hours.map(|h| h.0.into()),
            closes: hours.map(|h| h.1.into()),
        }
    }

    fn london() -> Tz {
        venue_time::zone("Europe/London").unwrap()
    }

    fn new_york() -> Tz {
        venue_time::zone("America/New_York").unwrap()
    }

    fn periods(h: &Hours, tz: Tz, d: &str) -> Vec<(String, String)> {
        let f = |t: OffsetDateTime| t.format(&Rfc3339).unwrap();
        h.periods(tz, date(d)).unwrap().into_iter().map(|(o, c)| (f(o), f(c))).collect()
    }

    fn p(o: &str, c: &str) -> (String, String) {
        (o.into(), c.into())
    }

    #[test]
    fn a_period_past_midnight_belongs_to_the_day_it_opens() {
        // 2026-07-04 is a Saturday; BST (UTC+1).
        let h = Hours::check(&[w(6, "18:00", "02:00"), w(7, "12:00", "15:00")], &[]).unwrap();
        assert_eq!(periods(&h, london(), "2026-07-04"), vec![p("2026-07-04T17:00:00Z", "2026-07-05T01:00:00Z")]);
        assert_eq!(periods(&h, london(), "2026-07-05"), vec![p("2026-07-05T11:00:00Z", "2026-07-05T14:00:00Z")]);
        // Sunday 00:30 is still Saturday night; Sunday 03:00 is closed.
        let at = |s: &str, mins: i64| (utc(s), utc(s) + time::Duration::minutes(mins));
        let (s, e) = at("2026-07-04T23:30:00Z", 60);
        assert!(h.covers(london(), s, e).unwrap());
        let (s, e) = at("2026-07-05T02:00:00Z", 30);
        assert!(!h.covers(london(), s, e).unwrap());
        // Closing at midnight.
        let h = Hours::check(&[w(1, "12:00", "00:00")], &[]).unwrap();
        assert_eq!(periods(&h, london(), "2026-07-06"), vec![p("2026-07-06T11:00:00Z", "2026-07-06T23:00:00Z")]);
    }

    #[test]
    fn london_spring_forward_night_is_an_hour_shorter() {
        // Saturday 28 March 2026 18:00 GMT to Sunday 03:00 BST (02:00 UTC): eight hours, not nine.
        let h = Hours::check(&[w(6, "18:00", "03:00")], &[]).unwrap();
        assert_eq!(periods(&h, london(), "2026-03-28"), vec![p("2026-03-28T18:00:00Z", "2026-03-29T02:00:00Z")]);
        // 01:30 does not exist on 29 March: the period opens at 02:00 BST, the first time that does.
        let h = Hours::check(&[w(7, "01:30", "03:00")], &[]).unwrap();
        assert_eq!(periods(&h, london(), "2026-03-29"), vec![p("2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z")]);
        // A period wholly inside the skipped hour is no period that night.
        let h = Hours::check(&[w(7, "01:10", "01:50")], &[]).unwrap();
        assert_eq!(periods(&h, london(), "2026-03-29"), vec![]);
        assert_eq!(periods(&h, london(), "2026-04-05"), vec![p("2026-04-05T00:10:00Z", "2026-04-05T00:50:00Z")]);
    }

    #[test]
    fn london_fall_back_night_is_an_hour_longer() {
        // Saturday 24 October 2026 18:00 BST (17:00 UTC) to Sunday 02:00 GMT (02:00 UTC): nine hours.
        let h = Hours::check(&[w(6, "18:00", "02:00")], &[]).unwrap();
        assert_eq!(periods(&h, london(), "2026-10-24"), vec![p("2026-10-24T17:00:00Z", "2026-10-25T02:00:00Z")]);
        // The week after, the same hours are GMT on both sides.
        assert_eq!(periods(&h, london(), "2026-10-31"), vec![p("2026-10-31T18:00:00Z", "2026-11-01T02:00:00Z")]);
    }

    #[test]
    fn new_york_changes_on_other_days() {
        // 8 March 2026 (Sunday): 02:00 EST becomes 03:00 EDT. Brunch 10:00-14:00 is EDT.
        let h = Hours::check(&[w(7, "10:00", "14:00"), w(6, "20:00", "03:00")], &[]).unwrap();
        assert_eq!(periods(&h, new_york(), "2026-03-08"), vec![p("2026-03-08T14:00:00Z", "2026-03-08T18:00:00Z")]);
        // Saturday night 20:00 EST to 03:00 EDT: six hours, not seven.
        assert_eq!(periods(&h, new_york(), "2026-03-07"), vec![p("2026-03-08T01:00:00Z", "2026-03-08T07:00:00Z")]);
        // Same week in London: still GMT, so 10:00 is 10:00 UTC.
        assert_eq!(periods(&h, london(), "2026-03-08"), vec![p("2026-03-08T10:00:00Z", "2026-03-08T14:00:00Z")]);
    }

    #[test]
    fn an_exception_closes_a_day_or_replaces_its_hours() {
        let h = Hours::check(
            &[w(5, "12:00", "15:00"), w(5, "18:00", "23:00")],
            &[x("2026-12-25", None), x("2026-12-18", Some(("17:00", "01:00")))],
        )
        .unwrap();
        assert_eq!(periods(&h, london(), "2026-12-25"), vec![]);
        assert_eq!(periods(&h, london(), "2026-12-18"), vec![p("2026-12-18T17:00:00Z", "2026-12-19T01:00:00Z")]);
        assert_eq!(
            periods(&h, london(), "2027-01-01"),
            vec![p("2027-01-01T12:00:00Z", "2027-01-01T15:00:00Z"), p("2027-01-01T18:00:00Z", "2027-01-01T23:00:00Z")]
        );
        let s = utc("2026-12-25T13:00:00Z");
        assert!(!h.covers(london(), s, s + time::Duration::hours(1)).unwrap());
        assert!(!h.is_empty());
        assert!(Hours::check(&[], &[]).unwrap().is_empty());
    }

    #[test]
    fn touching_periods_cover_a_booking_across_them() {
        let h = Hours::check(&[w(2, "12:00", "15:00"), w(2, "15:00", "23:00")], &[]).unwrap();
        let s = utc("2026-07-07T13:00:00Z"); // Tuesday 14:00 BST
        assert!(h.covers(london(), s, s + time::Duration::hours(2)).unwrap());
        assert!(!h.covers(london(), s, s + time::Duration::hours(10)).unwrap());
    }

    #[test]
    fn malformed_or_overlapping_hours_are_refused_naming_the_field() {
        let err = |weekly: &[WeeklyPeriod], ex: &[HoursException]| Hours::check(weekly, ex).unwrap_err().field;
        assert_eq!(err(&[w(0, "12:00", "13:00")], &[]), "weekly[0].weekday");
        assert_eq!(err(&[w(8, "12:00", "13:00")], &[]), "weekly[0].weekday");
        for bad in ["24:00", "9:00", "12:60", "noon", "12:00:00", ""] {
            assert_eq!(err(&[w(1, "12:00", "13:00"), w(2, bad, "13:00")], &[]), "weekly[1].opens", "{bad}");
        }
        assert_eq!(err(&[w(1, "12:00", "12:00")], &[]), "weekly[0].closes");
        assert_eq!(err(&[w(1, "12:00", "15:00"), w(1, "14:00", "16:00")], &[]), "weekly[1]");
        // Monday night past midnight runs into Tuesday lunch; Sunday night into Monday.
        assert_eq!(err(&[w(1, "20:00", "13:00"), w(2, "12:00", "14:00")], &[]), "weekly[1]");
        assert_eq!(err(&[w(1, "00:30", "02:00"), w(7, "20:00", "01:00")], &[]), "weekly[1]");
        assert_eq!(err(&[], &[x("2026-02-30", None)]), "exceptions[0].date");
        assert_eq!(err(&[], &[x("2026-12-25", None), x("2026-12-25", None)]), "exceptions[1].date");
        let mut closed_with_times = x("2026-12-25", Some(("10:00", "11:00")));
        closed_with_times.closed = true;
        assert_eq!(err(&[], &[closed_with_times]), "exceptions[0].opens");
        let mut open_without = x("2026-12-25", None);
        open_without.closed = false;
        assert_eq!(err(&[], &[open_without]), "exceptions[0].opens");
        let many: Vec<WeeklyPeriod> = (0..29).map(|i| w(1 + (i % 7) as u8, "00:00", "00:01")).collect();
        assert_eq!(err(&many, &[]), "weekly");
        // Touching is not overlapping.
        assert!(Hours::check(&[w(1, "12:00", "15:00"), w(1, "15:00", "18:00"), w(7, "20:00", "12:00")], &[]).is_ok());
    }
}
