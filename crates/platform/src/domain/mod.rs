//! The venue domain: who may act in a venue ([`access`]), and how venue data is sealed,
//! validated and audited on its way to the store.

pub mod access;
pub mod availability;
pub mod capacity;
pub mod last_owner;
pub mod sealed;
pub mod seating;
pub mod time_range;
pub mod validate;

pub use access::VenueScope;
