//! Instants on the wire (API.md, Conventions and "Limits and hardening"). Emitted as RFC 3339
//! in UTC with exactly three fraction digits (`2026-11-26T18:30:00.000Z`), so they sort as
//! strings; accepted as any RFC 3339 instant. Every instant taken from a request goes
//! through [`to_utc`], the one checked conversion: without `time`'s `large-dates`, moving
//! `9999-12-31T23:59:59-23:59` to UTC would overflow into year 10000.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Earliest and latest UTC year an instant may have.
pub const MIN_YEAR: i32 = 1;
pub const MAX_YEAR: i32 = 9999;

/// The instant in UTC, or `None` when its UTC form falls outside years 0001–9999.
pub fn to_utc(t: OffsetDateTime) -> Option<OffsetDateTime> {
    t.checked_to_offset(UtcOffset::UTC).filter(|u| (MIN_YEAR..=MAX_YEAR).contains(&u.year()))
}

/// Parses an RFC 3339 instant and converts it to UTC (checked); `None` for anything else.
pub fn parse(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok().and_then(to_utc)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`: UTC, milliseconds always present (truncated, not rounded).
/// An instant with no UTC form in years 0001–9999 cannot be stored; it formats as its own
/// offset's text rather than panicking.
pub fn format(t: OffsetDateTime) -> String {
    let Some(u) = to_utc(t) else {
        return t.format(&Rfc3339).unwrap_or_default();
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        u.year(),
        u8::from(u.month()),
        u.day(),
        u.hour(),
        u.minute(),
        u.second(),
        u.millisecond()
    )
}

/// `#[serde(with = "venuedesk_api::timestamp")]`: emits [`format`]; accepts any RFC 3339
/// instant and keeps its offset, so the receiver's check can answer `422` naming the field.
pub fn serialize<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(*t))
}

pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    time::serde::rfc3339::deserialize(d)
}

/// The same for `Option<OffsetDateTime>`.
pub mod option {
    use time::OffsetDateTime;

    pub fn serialize<S: serde::Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&super::format(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
        time::serde::rfc3339::option::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn always_three_fraction_digits_in_utc() {
        assert_eq!(format(datetime!(2026-11-26 18:30:00 UTC)), "2026-11-26T18:30:00.000Z");
        assert_eq!(format(datetime!(2026-11-26 18:30:16.55 UTC)), "2026-11-26T18:30:16.550Z");
        assert_eq!(format(datetime!(2026-11-26 18:30:16.551999 UTC)), "2026-11-26T18:30:16.551Z");
        assert_eq!(format(datetime!(2026-11-26 19:30:00 +01:00)), "2026-11-26T18:30:00.000Z");
        assert_eq!(format(datetime!(0001-01-01 00:00:00 UTC)), "0001-01-01T00:00:00.000Z");
    }

    #[test]
    fn formatted_instants_sort_as_strings() {
        let a = format(datetime!(2026-11-26 18:30:16.55 UTC));
        let b = format(datetime!(2026-11-26 18:30:16.551 UTC));
        let c = format(datetime!(2026-11-26 18:30:17 UTC));
        assert!(a < b && b < c, "{a} {b} {c}");
    }

    #[test]
    fn extreme_offsets_are_refused_not_panicked_on() {
        assert_eq!(parse("9999-12-31T23:59:59-23:59"), None);
        assert_eq!(parse("0000-01-01T00:00:00+23:59"), None);
        assert_eq!(parse("0000-01-01T00:00:00Z"), None, "year 0 is outside 0001-9999");
        assert_eq!(parse("9999-12-31T23:59:59Z"), Some(datetime!(9999-12-31 23:59:59 UTC)));
        assert_eq!(parse("0001-01-01T00:00:00Z"), Some(datetime!(0001-01-01 00:00:00 UTC)));
        assert_eq!(parse("2026-11-26T19:30:00+01:00"), Some(datetime!(2026-11-26 18:30:00 UTC)));
        assert_eq!(parse("not a time"), None);
        // Formatting an instant with no UTC form does not panic either.
        let far = OffsetDateTime::parse("9999-12-31T23:59:59-23:59", &Rfc3339).unwrap();
        assert_eq!(format(far), "9999-12-31T23:59:59-23:59");
    }

    #[test]
    fn serde_round_trip() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct T {
            #[serde(with = "crate::timestamp")]
            at: OffsetDateTime,
            #[serde(default, with = "crate::timestamp::option")]
            maybe: Option<OffsetDateTime>,
        }
        let t = T { at: datetime!(2026-11-26 18:30:16.5 UTC), maybe: None };
        let s = serde_json::to_string(&t).unwrap();
        assert_eq!(s, r#"{"at":"2026-11-26T18:30:16.500Z","maybe":null}"#);
        assert_eq!(serde_json::from_str::<T>(&s).unwrap(), t);
        let kept: T = serde_json::from_str(r#"{"at":"9999-12-31T23:59:59-23:59"}"#).unwrap();
        assert_eq!(to_utc(kept.at), None, "accepted as sent; the receiver's check refuses it");
    }
}
