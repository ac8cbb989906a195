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
