//! Audit exports, verified as they are written: a JSON Lines export is saved only when its
//! hash chain (SHA-256 over RFC 8785 JSON, the rule in `venuedesk_api::audit_chain`)
//! checks out; the file is written beside the target and renamed into place.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use venuedesk_api::audit_chain;

use crate::error::CoreError;
use crate::session::Session;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }
}

/// Days in the venue's time zone (`YYYY-MM-DD`, inclusive) or RFC 3339 instants.
#[derive(Debug, Clone, Default)]
pub struct Range {
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub path: PathBuf,
    pub bytes: u64,
    /// Events whose chain was verified (JSON Lines only).
    pub verified_events: Option<u64>,
}

fn io(path: &Path, e: std::io::Error) -> CoreError {
    CoreError::Invalid(format!("{}: {e}", path.display()))
}

/// Verifies a JSON Lines export line by line; returns the number of events.
pub fn verify_file(path: &Path) -> Result<u64, CoreError> {
    let file = std::fs::File::open(path).map_err(|e| io(path, e))?;
    let mut v = audit_chain::Verifier::default();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let event = serde_json::from_str(&line)
            .map_err(|e| CoreError::Invalid(format!("line {} is not an audit event: {e}", n + 1)))?;
        v.push(event).map_err(|e| CoreError::Invalid(format!("the chain does not verify: {e}")))?;
    }
    Ok(v.checked())
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Streams the venue's audit export into `path`, reporting bytes written.
pub async fn export(
    session: &Session,
    venue_id: uuid::Uuid,
    range: &Range,
    format: Format,
    path: &Path,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<Exported, CoreError> {
    let mut query = format!("format={}", format.as_str());
    for (name, value) in [("from", &range.from), ("to", &range.to)] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            query.push_str(&format!("&{name}={}", encode(v)));
        }
    }
    let partial = path.with_extension("partial");
    let mut file = tokio::fs::File::create(&partial).await.map_err(|e| io(&partial, e))?;
    let written = session.download(&format!("/v1/venues/{venue_id}/audit/export?{query}"), &mut file, progress).await;
    drop(file);
    let written = match written {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    let verified_events = match format {
        Format::Jsonl => match verify_file(&partial) {
            Ok(n) => Some(n),
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        },
        Format::Csv => None,
    };
    std::fs::rename(&partial, path).map_err(|e| io(path, e))?;
    Ok(Exported { path: path.to_path_buf(), bytes: written, verified_events })
}
