//! The floor's arithmetic, pure and shared: how many seats a booking finds taken
//! ([`capacity`]), which tables a party gets ([`seating`]) and which start times are free
//! ([`availability`]). The platform decides with it; a console offline estimates with the
//! very same code from its cache.

pub mod availability;
pub mod capacity;
pub mod seating;
