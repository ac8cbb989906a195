//! The venue domain: who may act in a venue ([`access`]), and how venue data is sealed,
//! validated and audited on its way to the store.

pub mod access;
pub mod last_owner;
pub mod sealed;
pub mod time_range;
pub mod validate;

pub use access::VenueScope;
// Pure and shared with the consoles (their offline estimate).
pub use venuedesk_api::floor::{availability, capacity, seating};
