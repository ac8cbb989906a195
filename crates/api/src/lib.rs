//! The Venuedesk wire contract (see `shared/API.md`): request and response bodies and the
//! stable problem codes. Shared by the platform and every client so the two cannot drift.

pub mod audit_chain;
pub mod auth;
pub mod me;
pub mod permission;
pub mod problem;
pub mod venue;

pub use problem::{Problem, ProblemCode};
