//! A booking's status and its machine (API.md, Bookings): `confirmed → seated → completed`,
//! `confirmed → cancelled`, `confirmed → no_show`; anything else is refused. The platform
//! answers a refused step with `409 invalid_transition`; the console refuses it before
//! queueing, with the same table.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::unknown_name::UnknownName;

/// Where a booking stands. On the wire: `confirmed`, `seated`, `completed`, `cancelled`
/// or `no_show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Confirmed,
    Seated,
    Completed,
    Cancelled,
    NoShow,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 5] = [
        BookingStatus::Confirmed,
        BookingStatus::Seated,
        BookingStatus::Completed,
        BookingStatus::Cancelled,
        BookingStatus::NoShow,
    ];

    /// The wire string (what serde writes).
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Seated => "seated",
            BookingStatus::Completed => "completed",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::NoShow => "no_show",
        }
    }

    /// Every wire string, comma-separated, for "must be one of …" messages.
    pub fn one_of() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }

    /// Confirmed and seated parties hold their seats: they count against capacity.
    pub fn holds_seats(self) -> bool {
        matches!(self, BookingStatus::Confirmed | BookingStatus::Seated)
    }

    /// Guest, party, time and notes may be changed only while the booking is open.
    pub fn may_be_changed(self) -> bool {
        matches!(self, BookingStatus::Confirmed | BookingStatus::Seated)
    }
}

impl fmt::Display for BookingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BookingStatus {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, UnknownName> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownName::new("booking status", s, Self::one_of()))
    }
}

/// A step of the machine, named as in its path: `POST /bookings/{id}/{seat|complete|cancel|no-show}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingAction {
    Seat,
    Complete,
    Cancel,
    NoShow,
}

/// The whole machine: (from, action, to). What is not here is refused.
const BOOKING_TRANSITIONS: [(BookingStatus, BookingAction, BookingStatus); 4] = [
    (BookingStatus::Confirmed, BookingAction::Seat, BookingStatus::Seated),
    (BookingStatus::Seated, BookingAction::Complete, BookingStatus::Completed),
    (BookingStatus::Confirmed, BookingAction::Cancel, BookingStatus::Cancelled),
    (BookingStatus::Confirmed, BookingAction::NoShow, BookingStatus::NoShow),
];

impl BookingAction {
    pub const ALL: [BookingAction; 4] =
        [BookingAction::Seat, BookingAction::Complete, BookingAction::Cancel, BookingAction::NoShow];

    /// The last path segment: `seat`, `complete`, `cancel` or `no-show`.
    pub fn as_str(self) -> &'static str {
        match self {
            BookingAction::Seat => "seat",
            BookingAction::Complete => "complete",
            BookingAction::Cancel => "cancel",
            BookingAction::NoShow => "no-show",
        }
    }

    /// The status this action leads to from `from`, or why it may not be taken.
    pub fn apply(self, from: BookingStatus) -> Result<BookingStatus, BookingTransitionRefused> {
        BOOKING_TRANSITIONS
            .iter()
            .find(|(f, a, _)| *f == from && *a == self)
            .map(|(_, _, to)| *to)
            .ok_or(BookingTransitionRefused { from, action: self })
    }
}

impl fmt::Display for BookingAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BookingAction {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, UnknownName> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == s)
            .ok_or_else(|| UnknownName::new("booking action", s, Self::ALL.map(Self::as_str).join(", ")))
    }
}

/// A step the machine does not allow (`409 invalid_transition` on the platform).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a {from} booking")]
pub struct BookingTransitionRefused {
    pub from: BookingStatus,
    pub action: BookingAction,
}

#[cfg(test)]
mod tests {
    use super::*;
    use BookingAction::{Cancel, Complete, Seat};
    use BookingStatus::{Cancelled, Completed, Confirmed, Seated};

    #[test]
    fn every_allowed_step() {
        assert_eq!(Seat.apply(Confirmed), Ok(Seated));
        assert_eq!(Complete.apply(Seated), Ok(Completed));
        assert_eq!(Cancel.apply(Confirmed), Ok(Cancelled));
        assert_eq!(BookingAction::NoShow.apply(Confirmed), Ok(BookingStatus::NoShow));
    }

    #[test]
    fn every_other_step_is_refused() {
        let allowed = [(Confirmed, Seat), (Seated, Complete), (Confirmed, Cancel), (Confirmed, BookingAction::NoShow)];
        let mut refused = 0;
        for from in BookingStatus::ALL {
            for action in BookingAction::ALL {
                if allowed.contains(&(from, action)) {
                    continue;
                }
                assert_eq!(action.apply(from), Err(BookingTransitionRefused { from, action }), "{action} from {from}");
                refused += 1;
            }
        }
        assert_eq!(refused, 5 * 4 - allowed.len());
        assert_eq!(Cancel.apply(Seated).unwrap_err().to_string(), "cannot cancel a seated booking");
        assert_eq!(Seat.apply(BookingStatus::NoShow).unwrap_err().to_string(), "cannot seat a no_show booking");
    }

    #[test]
    fn wire_strings_are_the_serde_strings() {
        let wire = ["confirmed", "seated", "completed", "cancelled", "no_show"];
        for (status, name) in BookingStatus::ALL.into_iter().zip(wire) {
            assert_eq!(status.as_str(), name);
            assert_eq!(serde_json::to_value(status).unwrap(), serde_json::json!(name));
            assert_eq!(serde_json::from_value::<BookingStatus>(serde_json::json!(name)).unwrap(), status);
            assert_eq!(name.parse::<BookingStatus>(), Ok(status));
        }
        assert!(serde_json::from_value::<BookingStatus>(serde_json::json!("No_Show")).is_err());
        let err = "lost".parse::<BookingStatus>().unwrap_err();
        assert_eq!(err.expected, "confirmed, seated, completed, cancelled, no_show");
    }

    #[test]
    fn actions_are_their_path_segments() {
        for (action, name) in BookingAction::ALL.into_iter().zip(["seat", "complete", "cancel", "no-show"]) {
            assert_eq!((action.as_str(), name.parse::<BookingAction>()), (name, Ok(action)));
        }
        assert!("no_show".parse::<BookingAction>().is_err() && "Seat".parse::<BookingAction>().is_err());
    }

    #[test]
    fn open_bookings() {
        let open: Vec<_> = BookingStatus::ALL.into_iter().filter(|s| s.may_be_changed()).collect();
        assert_eq!(open, [Confirmed, Seated]);
        let seated: Vec<_> = BookingStatus::ALL.into_iter().filter(|s| s.holds_seats()).collect();
        assert_eq!(seated, [Confirmed, Seated]);
    }
}
