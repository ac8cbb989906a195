//! The capacity rule, as a pure function every store backend calls inside its serialised
//! write: the most seats taken at any moment of a booking's time, the booking included.
//! A sweep over sorted start/end points, O(n log n) in the overlapping bookings: a venue
//! with piles of overlapping bookings cannot turn each write into seconds on the writer.

/// The longest a booking may last (`duration_minutes` ≤ 1440), in milliseconds: lets a
/// store bound its index range scan to the day before a booking's start.
pub const LONGEST_BOOKING_MS: i64 = 1440 * 60 * 1000;

/// One booking that holds seats: `[starts_at, ends_at)` in any monotonic unit, and its party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occupancy {
    pub starts_at: i64,
    pub ends_at: i64,
    pub party: i64,
}

/// The highest load during `booking` with it, given `others` (bookings that do not overlap
/// it are ignored, so callers may pass a superset).
pub fn peak_load(booking: Occupancy, others: &[Occupancy]) -> i64 {
    let (start, end) = (booking.starts_at, booking.ends_at);
    if start >= end {
        return 0;
    }
    let mut changes: Vec<(i64, i64)> = Vec::new();
    for o in others.iter().filter(|o| o.starts_at < end && o.ends_at > start && o.party > 0) {
        changes.push((o.starts_at.max(start), o.party));
        if o.ends_at < end {
            changes.push((o.ends_at, -o.party));
        }
    }
    changes.sort_unstable();
    peak_from_changes(booking.party, &changes)
}

/// The sweep itself: `changes` are (instant, seats taken or freed) inside the booking's
/// time, sorted by instant, the bookings already running at its start counted at its
/// start. Changes at one instant may be summed into one (a store can group them, so a
/// pile of bookings on the same quarter hours costs a handful of rows); an end and a start
/// at the same instant never add up to more than their sum, because intervals are
/// half-open and ends sort before starts.
pub fn peak_from_changes(party: i64, changes: &[(i64, i64)]) -> i64 {
    let mut load = party;
    let mut peak = party;
    for (_, delta) in changes {
        load += delta;
        peak = peak.max(load);
    }
    peak
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn occ(starts_at: i64, ends_at: i64, party: i64) -> Occupancy {
        Occupancy { starts_at, ends_at, party }
    }

    /// The obvious O(n²) rule: the load at every start inside the booking's time.
    fn naive(b: Occupancy, others: &[Occupancy]) -> i64 {
        let others: Vec<_> = others.iter().filter(|o| o.starts_at < b.ends_at && o.ends_at > b.starts_at).collect();
        std::iter::once(b.starts_at)
            .chain(others.iter().map(|o| o.starts_at).filter(|t| *t >= b.starts_at && *t < b.ends_at))
            .map(|t| {
                others.iter().filter(|o| o.starts_at <= t && t < o.ends_at).map(|o| o.party).sum::<i64>() + b.party
            })
            .max()
            .unwrap_or(b.party)
    }

    #[test]
    fn back_to_back_bookings_do_not_overlap() {
        let b = occ(10, 20, 4);
        assert_eq!(peak_load(b, &[occ(0, 10, 50), occ(20, 30, 50)]), 4);
        assert_eq!(peak_load(b, &[occ(5, 15, 2), occ(15, 25, 3)]), 7);
        // An end and a start at the same moment: the seats are freed first.
        assert_eq!(peak_load(b, &[occ(5, 12, 2), occ(12, 25, 2)]), 6);
        assert_eq!(peak_load(b, &[occ(0, 100, 1), occ(11, 12, 1), occ(13, 14, 1)]), 6);
    }

    proptest! {
        #[test]
        fn sweep_agrees_with_the_quadratic_rule(
            start in 0i64..100, len in 1i64..50, party in 1i64..10,
            others in proptest::collection::vec((0i64..150, 1i64..60, 1i64..10), 0..40),
        ) {
            let b = occ(start, start + len, party);
            let others: Vec<_> = others.into_iter().map(|(s, l, p)| occ(s, s + l, p)).collect();
            prop_assert_eq!(peak_load(b, &others), naive(b, &others));
            // Summing the changes at each instant (what a store's GROUP BY does) agrees.
            let mut grouped = std::collections::BTreeMap::new();
            for o in others.iter().filter(|o| o.starts_at < b.ends_at && o.ends_at > b.starts_at) {
                *grouped.entry(o.starts_at.max(b.starts_at)).or_insert(0) += o.party;
                if o.ends_at < b.ends_at {
                    *grouped.entry(o.ends_at).or_insert(0) -= o.party;
                }
            }
            let grouped: Vec<(i64, i64)> = grouped.into_iter().collect();
            prop_assert_eq!(peak_from_changes(b.party, &grouped), naive(b, &others));
        }
    }
}
