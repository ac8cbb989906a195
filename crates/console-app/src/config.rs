//! What the console remembers between runs, in `console.json` under the data directory:
//! the server, who signed in last, the venue in use and the venues' names, time zones and
//! capacities (so it starts offline). Nothing secret: tokens and cache keys live in the OS
//! keychain only.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::views::VenueView;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Config {
    pub server: Option<String>,
    pub email: Option<String>,
    pub display_name: Option<String>,
    #[serde(default)]
    pub mfa_enabled: bool,
    pub venue_id: Option<String>,
    #[serde(default)]
    pub venues: Vec<VenueView>,
}

fn path(dir: &Path) -> PathBuf {
    dir.join("console.json")
}

impl Config {
    /// A missing or unreadable file is a first run, not an error.
    pub fn load(dir: &Path) -> Config {
        std::fs::read(path(dir)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    /// Written beside and renamed into place: a crash never leaves half a file.
    pub fn save(&self, dir: &Path) -> Result<(), AppError> {
        std::fs::create_dir_all(dir).map_err(AppError::io)?;
        let tmp = dir.join("console.json.tmp");
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| AppError::new("internal", e.to_string()))?;
        std::fs::write(&tmp, bytes).map_err(AppError::io)?;
        std::fs::rename(&tmp, path(dir)).map_err(AppError::io)
    }

    pub fn venue(&self) -> Option<&VenueView> {
        let id = self.venue_id.as_deref()?;
        self.venues.iter().find(|v| v.id == id)
    }
}
