//! The CLI's configuration file: which server, account and venue. Never a secret: tokens
//! and cache keys live in the OS keychain.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Config {
    pub server: Option<String>,
    pub email: Option<String>,
    pub venue_id: Option<Uuid>,
    pub venue_name: Option<String>,
    pub timezone: Option<String>,
}

pub fn data_dir(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match flag {
        Some(d) => Ok(d),
        None => dirs::data_dir()
            .map(|d| d.join("venuedesk"))
            .context("no data directory: pass --data-dir or set VENUEDESK_DATA_DIR"),
    }
}

fn path(dir: &Path) -> PathBuf {
    dir.join("config.json")
}

pub fn load(dir: &Path) -> anyhow::Result<Config> {
    match std::fs::read(path(dir)) {
        Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path(dir).display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path(dir).display())),
    }
}

pub fn save(dir: &Path, config: &Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = dir.join("config.json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(config)?)?;
    std::fs::rename(&tmp, path(dir))?;
    Ok(())
}
