//! What the console remembers between runs, for the desktop app and the `venuedesk` CLI
//! alike: one data directory, one settings file (`console.json`) in it, the offline caches
//! under `caches/`. The settings name the platform, who signed in last, the venue in use
//! and the account's venues (names, time zones, capacities — so a console starts offline).
//! Nothing secret: tokens and cache keys live in the OS keychain only.
//!
//! The CLI used to keep its own `config.json` beside the desktop app's `console.json`; it is
//! read once when `console.json` does not exist yet, and removed.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The environment variable that moves the data directory.
pub const DATA_DIR_ENV: &str = "VENUEDESK_DATA_DIR";
const FILE: &str = "console.json";
const LEGACY_CLI_FILE: &str = "config.json";

/// The data directory: `explicit` (a `--data-dir` flag) when given, else
/// `VENUEDESK_DATA_DIR`, else the OS data directory's `venuedesk` folder
/// (`~/.local/share/venuedesk` on Linux). Empty values count as unset. `None` when the
/// system has no data directory and none was given.
pub fn data_dir(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit
        .filter(|d| !d.as_os_str().is_empty())
        .or_else(|| std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()).map(PathBuf::from))
        .or_else(|| dirs::data_dir().map(|d| d.join("venuedesk")))
}

/// Where the offline caches live under the data directory.
pub fn caches_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("caches")
}

/// One of the account's venues, as remembered for offline starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownVenue {
    pub id: Uuid,
    pub name: String,
    pub timezone: String,
    #[serde(default)]
    pub capacity: i64,
    /// The member's role there, for showing.
    #[serde(default)]
    pub role_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The platform, as accepted by `client::check_server_url`.
    pub server: Option<String>,
    /// Who signed in last (also after signing out, to prefill the sign-in).
    pub email: Option<String>,
    pub display_name: Option<String>,
    #[serde(default)]
    pub mfa_enabled: bool,
    /// The venue in use.
    pub venue_id: Option<Uuid>,
    #[serde(default)]
    pub venues: Vec<KnownVenue>,
}

/// The CLI's former `config.json`.
#[derive(Deserialize)]
struct LegacyCliConfig {
    server: Option<String>,
    email: Option<String>,
    venue_id: Option<Uuid>,
    venue_name: Option<String>,
    timezone: Option<String>,
}

impl From<LegacyCliConfig> for Settings {
    fn from(old: LegacyCliConfig) -> Settings {
        let venues = match (old.venue_id, old.venue_name) {
            (Some(id), Some(name)) => vec![KnownVenue {
                id,
                name,
                timezone: old.timezone.unwrap_or_else(|| "UTC".into()),
                capacity: 0,
                role_name: String::new(),
            }],
            _ => Vec::new(),
        };
        Settings { server: old.server, email: old.email, venue_id: old.venue_id, venues, ..Settings::default() }
    }
}

fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "unreadable settings file ignored");
            None
        }
    }
}

impl Settings {
    /// The settings in `dir`. A missing or unreadable file is a first run, not an error.
    pub fn load(dir: &Path) -> Settings {
        if let Some(s) = read(&dir.join(FILE)) {
            let _ = std::fs::remove_file(dir.join(LEGACY_CLI_FILE));
            return s;
        }
        let legacy = dir.join(LEGACY_CLI_FILE);
        match read::<LegacyCliConfig>(&legacy) {
            Some(old) => {
                let s = Settings::from(old);
                if s.save(dir).is_ok() {
                    let _ = std::fs::remove_file(&legacy);
                }
                s
            }
            None => Settings::default(),
        }
    }

    /// Written beside and renamed into place: a crash never leaves half a file.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!("{FILE}.tmp"));
        std::fs::write(&tmp, serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?)?;
        std::fs::rename(&tmp, dir.join(FILE))
    }

    /// The venue in use, when it is one of the known venues.
    pub fn venue(&self) -> Option<&KnownVenue> {
        let id = self.venue_id?;
        self.venues.iter().find(|v| v.id == id)
    }

    /// Remembers a venue (replacing what was known of it).
    pub fn remember_venue(&mut self, venue: KnownVenue) {
        match self.venues.iter_mut().find(|v| v.id == venue.id) {
            Some(known) => *known = venue,
            None => self.venues.push(venue),
        }
    }

    /// Every venue id the settings know of (the known venues and the one in use).
    pub fn venue_ids(&self) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self.venues.iter().map(|v| v.id).collect();
        ids.extend(self.venue_id.filter(|v| !ids.contains(v)));
        ids
    }

    /// After signing out: the server and email stay (to prefill the next sign-in), the rest
    /// goes.
    pub fn signed_out(&self) -> Settings {
        Settings { server: self.server.clone(), email: self.email.clone(), ..Settings::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_a_missing_file_is_a_first_run() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Settings::load(dir.path()), Settings::default());
        let v = Uuid::now_v7();
        let mut s = Settings {
            server: Some("https://p.example".into()),
            email: Some("ana@example.com".into()),
            venue_id: Some(v),
            ..Settings::default()
        };
        s.remember_venue(KnownVenue {
            id: v,
            name: "Quay".into(),
            timezone: "Europe/London".into(),
            capacity: 40,
            role_name: "owner".into(),
        });
        s.save(dir.path()).unwrap();
        let loaded = Settings::load(dir.path());
        assert_eq!(loaded, s);
        assert_eq!(loaded.venue().unwrap().timezone, "Europe/London");
        assert_eq!(loaded.venue_ids(), vec![v]);
        let out = loaded.signed_out();
        assert_eq!((out.server.as_deref(), out.venue_id, out.venues.len()), (Some("https://p.example"), None, 0));
    }

    #[test]
    fn the_desktop_apps_file_reads_as_before() {
        let dir = tempfile::tempdir().unwrap();
        let v = Uuid::now_v7();
        let old = serde_json::json!({
            "server": "http://127.0.0.1:8080", "email": "a@example.com", "display_name": "A",
            "mfa_enabled": true, "venue_id": v.to_string(),
            "venues": [{"id": v.to_string(), "name": "Harbour", "timezone": "UTC", "capacity": 60, "role_name": "manager"}]
        });
        std::fs::write(dir.path().join("console.json"), old.to_string()).unwrap();
        let s = Settings::load(dir.path());
        assert!(s.mfa_enabled);
        assert_eq!(s.venue().unwrap().role_name, "manager");
    }

    #[test]
    fn the_clis_old_config_is_migrated_once() {
        let dir = tempfile::tempdir().unwrap();
        let v = Uuid::now_v7();
        let old = serde_json::json!({
            "server": "https://p.example", "email": "cli@example.com", "venue_id": v.to_string(),
            "venue_name": "Pier", "timezone": "Europe/Paris"
        });
        std::fs::write(dir.path().join("config.json"), old.to_string()).unwrap();
        let s = Settings::load(dir.path());
        assert_eq!(s.email.as_deref(), Some("cli@example.com"));
        assert_eq!(s.venue().map(|v| (v.name.as_str(), v.timezone.as_str())), Some(("Pier", "Europe/Paris")));
        assert!(!dir.path().join("config.json").exists(), "the old file is gone");
        assert_eq!(Settings::load(dir.path()), s, "and its content lives on in console.json");
    }

    #[test]
    fn data_dir_prefers_the_flag() {
        assert_eq!(data_dir(Some(PathBuf::from("/x/y"))), Some(PathBuf::from("/x/y")));
        // An empty flag falls through to the environment or the OS default.
        assert_ne!(data_dir(Some(PathBuf::new())), Some(PathBuf::new()));
    }
}
