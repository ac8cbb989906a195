//! The front desk's floor: tables (in areas, combinable with one another) and the venue's
//! weekly opening hours with their exceptions. Opening hours are venue-local wall-clock
//! times; `opening_hours` turns them into instants.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A table. `combinable_with` is symmetric: the platform keeps both sides in step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Table {
    pub id: Uuid,
    pub name: String,
    pub area: String,
    pub seats_min: i64,
    pub seats_max: i64,
    pub combinable_with: Vec<Uuid>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTable {
    /// Client-chosen id (optional), so that a table created offline is created once.
    #[serde(default)]
    pub id: Option<Uuid>,
    pub name: String,
    /// The room or section (`Terrace`); `Main` when absent.
    #[serde(default)]
    pub area: Option<String>,
    /// 1 when absent.
    #[serde(default)]
    pub seats_min: Option<i64>,
    pub seats_max: i64,
    #[serde(default)]
    pub combinable_with: Vec<Uuid>,
}

/// Absent fields are left alone.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TablePatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seats_min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seats_max: Option<i64>,
    /// Replaces the whole list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub combinable_with: Option<Vec<Uuid>>,
}

/// One opening period on a weekday (1 = Monday … 7 = Sunday, ISO 8601), venue-local.
/// When `closes` is not after `opens` the period passes midnight: `18:00`–`01:30` closes
/// at half past one the next morning, `12:00`–`00:00` at midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyPeriod {
    pub weekday: u8,
    /// `HH:MM`
    pub opens: String,
    /// `HH:MM`
    pub closes: String,
}

/// A date that differs from the week: closed all day, or open only `opens`–`closes`
/// (instead of that weekday's periods).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursException {
    /// `YYYY-MM-DD`, venue-local.
    pub date: String,
    pub closed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes: Option<String>,
}

/// The venue's opening hours. `version` is 0 until they are first set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OpeningHours {
    pub weekly: Vec<WeeklyPeriod>,
    pub exceptions: Vec<HoursException>,
    pub version: i64,
}

/// `PUT …/opening-hours`: replaces both lists.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpeningHoursPut {
    pub weekly: Vec<WeeklyPeriod>,
    #[serde(default)]
    pub exceptions: Vec<HoursException>,
}

/// One bookable start time and the tables a booking then gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AvailableSlot {
    #[serde(with = "crate::timestamp")]
    pub starts_at: time::OffsetDateTime,
    /// Empty in a venue without tables (its seat capacity decides).
    pub tables: Vec<Uuid>,
}

/// `GET …/availability`: the start times on `date` (venue-local) at which a booking of
/// `duration_minutes` for `party_size` fits.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SlotAvailability {
    pub date: String,
    pub party_size: i64,
    pub duration_minutes: i64,
    pub slots: Vec<AvailableSlot>,
}

/// How long a booking lasts by default: parties of `party_size_from` or more (up to the next
/// rule's) stay `minutes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DurationRule {
    pub party_size_from: i64,
    pub minutes: i64,
}

/// A venue's booking rules, as the venue carries them (API.md, "Front desk").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BookingRules {
    /// Start times offered are on multiples of this, from the opening time.
    pub slot_minutes: i64,
    /// The first rule starts at party size 1; sizes increase.
    pub default_duration_minutes: Vec<DurationRule>,
    /// How long before its start a booking may still be made online.
    pub min_notice_minutes: i64,
    /// How many days ahead bookings are taken online.
    pub max_advance_days: i64,
    /// Kept free at a table between one booking's end and the next one's start.
    pub turnover_minutes: i64,
}

impl Default for BookingRules {
    fn default() -> Self {
        BookingRules {
            slot_minutes: 15,
            default_duration_minutes: vec![
                DurationRule { party_size_from: 1, minutes: 90 },
                DurationRule { party_size_from: 5, minutes: 120 },
            ],
            min_notice_minutes: 60,
            max_advance_days: 90,
            turnover_minutes: 15,
        }
    }
}

/// Slot lengths that divide an hour (and so every opening time on the quarter hour).
pub const SLOT_MINUTES: [i64; 6] = [5, 10, 15, 20, 30, 60];

impl BookingRules {
    /// The default duration for a party of `party_size`.
    pub fn duration_for(&self, party_size: i64) -> i64 {
        self.default_duration_minutes.iter().rev().find(|r| r.party_size_from <= party_size).map_or(90, |r| r.minutes)
    }

    /// The first rule that is out of range, as (field, why).
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if !SLOT_MINUTES.contains(&self.slot_minutes) {
            return Some(("slot_minutes", format!("must be one of {SLOT_MINUTES:?}")));
        }
        let d = &self.default_duration_minutes;
        if d.is_empty() || d.len() > 20 || d[0].party_size_from != 1 {
            return Some(("default_duration_minutes", "needs 1-20 rules, the first from party size 1".into()));
        }
        if d.windows(2).any(|w| w[1].party_size_from <= w[0].party_size_from) {
            return Some(("default_duration_minutes", "party sizes must increase".into()));
        }
        if d.iter().any(|r| !(15..=720).contains(&r.minutes) || r.party_size_from > 1000) {
            return Some(("default_duration_minutes", "minutes must be 15-720".into()));
        }
        if !(0..=7 * 24 * 60).contains(&self.min_notice_minutes) {
            return Some(("min_notice_minutes", "must be 0-10080 (a week)".into()));
        }
        if !(1..=730).contains(&self.max_advance_days) {
            return Some(("max_advance_days", "must be 1-730".into()));
        }
        if !(0..=240).contains(&self.turnover_minutes) {
            return Some(("turnover_minutes", "must be 0-240".into()));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_by_party_size_and_the_rules_checked() {
        let r = BookingRules::default();
        assert_eq!((r.duration_for(1), r.duration_for(4), r.duration_for(5), r.duration_for(40)), (90, 90, 120, 120));
        assert_eq!(r.problem(), None);
        let bad = |f: fn(&mut BookingRules)| {
            let mut r = BookingRules::default();
            f(&mut r);
            r.problem().map(|p| p.0)
        };
        assert_eq!(bad(|r| r.slot_minutes = 7), Some("slot_minutes"));
        assert_eq!(bad(|r| r.default_duration_minutes.clear()), Some("default_duration_minutes"));
        assert_eq!(bad(|r| r.default_duration_minutes[0].party_size_from = 2), Some("default_duration_minutes"));
        assert_eq!(bad(|r| r.default_duration_minutes[1].party_size_from = 1), Some("default_duration_minutes"));
        assert_eq!(bad(|r| r.default_duration_minutes[1].minutes = 10), Some("default_duration_minutes"));
        assert_eq!(bad(|r| r.min_notice_minutes = -1), Some("min_notice_minutes"));
        assert_eq!(bad(|r| r.max_advance_days = 0), Some("max_advance_days"));
        assert_eq!(bad(|r| r.turnover_minutes = 241), Some("turnover_minutes"));
        // What a venue stored before these rules existed (or a partial object) reads as the defaults.
        let old: BookingRules = serde_json::from_str("{}").unwrap();
        assert_eq!(old, r);
        let some: BookingRules = serde_json::from_str(r#"{"turnover_minutes": 0}"#).unwrap();
        assert_eq!((some.turnover_minutes, some.slot_minutes), (0, 15));
    }
}

/// Where a waitlist entry stands: `waiting` → `offered` (a table is ready, the guest was
/// called) → `seated` (now a walk-in booking), or `removed` (the guest left) from either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WaitlistStatus {
    Waiting,
    Offered,
    Seated,
    Removed,
}

impl WaitlistStatus {
    pub const ALL: [WaitlistStatus; 4] =
        [WaitlistStatus::Waiting, WaitlistStatus::Offered, WaitlistStatus::Seated, WaitlistStatus::Removed];

    pub fn as_str(self) -> &'static str {
        match self {
            WaitlistStatus::Waiting => "waiting",
            WaitlistStatus::Offered => "offered",
            WaitlistStatus::Seated => "seated",
            WaitlistStatus::Removed => "removed",
        }
    }

    pub fn parse(s: &str) -> Option<WaitlistStatus> {
        WaitlistStatus::ALL.into_iter().find(|w| w.as_str() == s)
    }

    /// Still in the queue (shown on the waitlist panel).
    pub fn is_open(self) -> bool {
        matches!(self, WaitlistStatus::Waiting | WaitlistStatus::Offered)
    }
}

/// A party waiting for a table. The guest's name, phone and notes are kept only while the
/// entry is open: seating moves them onto the booking, removing drops them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WaitlistEntry {
    pub id: Uuid,
    /// Empty once the entry is seated or removed.
    pub guest_name: String,
    pub party_size: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub status: WaitlistStatus,
    #[serde(with = "crate::timestamp")]
    pub created_at: time::OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::timestamp::option")]
    pub offered_at: Option<time::OffsetDateTime>,
    /// When it was seated or removed.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::timestamp::option")]
    pub closed_at: Option<time::OffsetDateTime>,
    /// The walk-in booking it became.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking_id: Option<Uuid>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWaitlistEntry {
    /// Client-chosen id (optional), so that an entry added offline is added once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    pub guest_name: String,
    pub party_size: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// `POST …/waitlist/{id}/seat` (the body is optional): the tables to seat the party at
/// (absent: the smallest free fit) and how long they stay (absent: the venue's default for
/// the party size).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatWaitlistEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_ids: Option<Vec<Uuid>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<i64>,
}

/// The answer to `seat`: the closed entry and the seated walk-in booking it became.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WaitlistSeated {
    pub entry: WaitlistEntry,
    pub booking: crate::venue::Booking,
}
