//! An order's status and the kitchen's machine (API.md, Orders): `received → preparing →
//! ready → served`, and any state before `served` → `cancelled`; anything else is refused.
//! The platform answers a refused move with `409 invalid_transition`; the console refuses
//! it before queueing, with the same table. An order that must be paid first starts in
//! `awaiting_payment`, which only the payment provider's confirmed event moves on
//! ([`OrderStatus::settle_payment`]): nobody may move it by hand.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::unknown_name::UnknownName;

/// Where an order stands. On the wire: `received`, `preparing`, `ready`, `served`,
/// `cancelled` or `awaiting_payment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Received,
    Preparing,
    Ready,
    Served,
    Cancelled,
    AwaitingPayment,
}

/// The whole machine: (from, to). What is not here is refused.
const ORDER_TRANSITIONS: [(OrderStatus, OrderStatus); 6] = [
    (OrderStatus::Received, OrderStatus::Preparing),
    (OrderStatus::Preparing, OrderStatus::Ready),
    (OrderStatus::Ready, OrderStatus::Served),
    (OrderStatus::Received, OrderStatus::Cancelled),
    (OrderStatus::Preparing, OrderStatus::Cancelled),
    (OrderStatus::Ready, OrderStatus::Cancelled),
];

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Received,
        OrderStatus::Preparing,
        OrderStatus::Ready,
        OrderStatus::Served,
        OrderStatus::Cancelled,
        OrderStatus::AwaitingPayment,
    ];

    /// The wire string (what serde writes).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Received => "received",
            OrderStatus::Preparing => "preparing",
            OrderStatus::Ready => "ready",
            OrderStatus::Served => "served",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::AwaitingPayment => "awaiting_payment",
        }
    }

    /// Every wire string, comma-separated, for "must be one of …" messages.
    pub fn one_of() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }

    /// `to`, when the machine allows moving there from `self`; otherwise why not.
    pub fn move_to(self, to: OrderStatus) -> Result<OrderStatus, OrderTransitionRefused> {
        if ORDER_TRANSITIONS.contains(&(self, to)) { Ok(to) } else { Err(OrderTransitionRefused { from: self, to }) }
    }

    /// Where a confirmed payment outcome moves an order: only one awaiting payment moves,
    /// to `received` (paid) or `cancelled` (failed). `None`: the event changes nothing.
    pub fn settle_payment(self, succeeded: bool) -> Option<OrderStatus> {
        match (self, succeeded) {
            (OrderStatus::AwaitingPayment, true) => Some(OrderStatus::Received),
            (OrderStatus::AwaitingPayment, false) => Some(OrderStatus::Cancelled),
            _ => None,
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderStatus {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, UnknownName> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownName::new("order status", s, Self::one_of()))
    }
}

/// A move the machine does not allow (`409 invalid_transition` on the platform).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot go from {from} to {to}")]
pub struct OrderTransitionRefused {
    pub from: OrderStatus,
    pub to: OrderStatus,
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    #[test]
    fn every_allowed_move() {
        for (from, to) in [
            (Received, Preparing),
            (Preparing, Ready),
            (Ready, Served),
            (Received, Cancelled),
            (Preparing, Cancelled),
            (Ready, Cancelled),
        ] {
            assert_eq!(from.move_to(to), Ok(to), "{from} → {to}");
        }
    }

    #[test]
    fn only_a_payment_moves_an_order_awaiting_it() {
        assert_eq!(AwaitingPayment.settle_payment(true), Some(Received));
        assert_eq!(AwaitingPayment.settle_payment(false), Some(Cancelled));
        for s in [Received, Preparing, Ready, Served, Cancelled] {
            assert_eq!(s.settle_payment(true), None);
            assert_eq!(s.settle_payment(false), None);
        }
        for to in OrderStatus::ALL {
            assert!(AwaitingPayment.move_to(to).is_err(), "nobody moves awaiting_payment by hand");
        }
    }

    #[test]
    fn every_other_move_is_refused() {
        let allowed = [
            (Received, Preparing),
            (Preparing, Ready),
            (Ready, Served),
            (Received, Cancelled),
            (Preparing, Cancelled),
            (Ready, Cancelled),
        ];
        let mut refused = 0;
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                if allowed.contains(&(from, to)) {
                    continue;
                }
                assert_eq!(from.move_to(to), Err(OrderTransitionRefused { from, to }), "{from} → {to}");
                refused += 1;
            }
        }
        // Staying put, skipping ahead, going back, and anything after served or cancelled.
        assert_eq!(refused, 6 * 6 - allowed.len());
        assert_eq!(Served.move_to(Cancelled).unwrap_err().to_string(), "cannot go from served to cancelled");
    }

    #[test]
    fn wire_strings_are_the_serde_strings() {
        let wire = ["received", "preparing", "ready", "served", "cancelled", "awaiting_payment"];
        for (status, name) in OrderStatus::ALL.into_iter().zip(wire) {
            assert_eq!(status.as_str(), name);
            assert_eq!(serde_json::to_value(status).unwrap(), serde_json::json!(name));
            assert_eq!(serde_json::from_value::<OrderStatus>(serde_json::json!(name)).unwrap(), status);
            assert_eq!(name.parse::<OrderStatus>(), Ok(status));
        }
        let err = "flambé".parse::<OrderStatus>().unwrap_err();
        assert_eq!(
            (err.value.as_str(), err.expected.as_str()),
            ("flambé", "received, preparing, ready, served, cancelled, awaiting_payment")
        );
    }
}
