//! The Venuedesk wire contract (see `shared/API.md`): request and response bodies and the
//! stable problem codes. Shared by the platform and every client so the two cannot drift.

pub mod alerts;
pub mod audit_chain;
pub mod auth;
pub mod booking_status;
pub mod floor;
pub mod front_desk;
pub mod integrations;
pub mod me;
pub mod opening_hours;
pub mod order_status;
pub mod permission;
pub mod problem;
pub mod retention;
pub mod timestamp;
pub mod unknown_name;
pub mod venue;
pub mod venue_time;

pub use booking_status::{BookingAction, BookingStatus};
pub use order_status::OrderStatus;
pub use problem::{Problem, ProblemCode};
