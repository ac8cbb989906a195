//! What the console remembers between runs is console-core's [`Settings`], shared with the
//! `venuedesk` CLI: one `console.json` in one data directory (`VENUEDESK_DATA_DIR`, else
//! the OS data directory), naming the server, who signed in last, the venue in use and the
//! venues' names, time zones and capacities (so it starts offline). Nothing secret: tokens
//! and cache keys live in the OS keychain only. This module adds the UI's view of them.

use std::path::Path;

pub use venuedesk_console_core::settings::{KnownVenue, Settings as Config};

use crate::error::AppError;
use crate::views::VenueView;

/// Written beside and renamed into place: a crash never leaves half a file.
pub fn save(config: &Config, dir: &Path) -> Result<(), AppError> {
    config.save(dir).map_err(AppError::io)
}

pub fn venue_view(v: &KnownVenue) -> VenueView {
    VenueView {
        id: v.id.to_string(),
        name: v.name.clone(),
        timezone: v.timezone.clone(),
        capacity: v.capacity,
        role_name: v.role_name.clone(),
    }
}

/// The venue in use, as the UI shows it.
pub fn current_venue(config: &Config) -> Option<VenueView> {
    config.venue().map(venue_view)
}
