//! Status machines (API.md): bookings `confirmed → seated → completed`, `confirmed →
//! cancelled | no_show`; orders `received → preparing → ready → served`, and any state
//! before `served` → `cancelled`.

pub const BOOKING_STATUSES: &[&str] = &["confirmed", "seated", "completed", "cancelled", "no_show"];
pub const ORDER_STATUSES: &[&str] = &["received", "preparing", "ready", "served", "cancelled"];

pub fn booking_transition(from: &str, action: &str) -> Option<&'static str> {
    match (from, action) {
        ("confirmed", "seat") => Some("seated"),
        ("seated", "complete") => Some("completed"),
        ("confirmed", "cancel") => Some("cancelled"),
        ("confirmed", "no-show") => Some("no_show"),
        _ => None,
    }
}

pub fn order_transition_allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("received", "preparing")
            | ("preparing", "ready")
            | ("ready", "served")
            | ("received" | "preparing" | "ready", "cancelled")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booking_machine() {
        assert_eq!(booking_transition("confirmed", "seat"), Some("seated"));
        assert_eq!(booking_transition("seated", "complete"), Some("completed"));
        assert_eq!(booking_transition("confirmed", "no-show"), Some("no_show"));
        assert_eq!(booking_transition("seated", "cancel"), None);
        assert_eq!(booking_transition("completed", "seat"), None);
        assert_eq!(booking_transition("cancelled", "seat"), None);
    }

    #[test]
    fn order_machine() {
        assert!(order_transition_allowed("received", "preparing"));
        assert!(order_transition_allowed("ready", "cancelled"));
        assert!(!order_transition_allowed("served", "cancelled"));
        assert!(!order_transition_allowed("received", "ready"));
        assert!(!order_transition_allowed("cancelled", "received"));
    }
}
