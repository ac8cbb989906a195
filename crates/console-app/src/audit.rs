//! The audit trail: paged with filters from the platform, and exported to where the person
//! chose in the save dialog, with the hash chain verified before the file is kept.

use std::path::Path;

use venuedesk_api::venue::{AuditEvent, Page};
use venuedesk_console_core::audit;

use crate::console::Console;
use crate::error::AppError;
use crate::files::SaveAs;
use crate::views::{AuditEventView, AuditFilter, AuditPage, ExportFormat, ExportResult, Progress, ProgressTask};

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn clean(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

impl Console {
    /// 50 events per page, newest last as the platform pages them.
    pub async fn audit_page(&self, filter: &AuditFilter, cursor: Option<&str>) -> Result<AuditPage, AppError> {
        let online = self.online()?;
        let mut query = String::from("limit=50");
        for (name, value) in [
            ("from", clean(&filter.from)),
            ("to", clean(&filter.to)),
            ("actor_id", clean(&filter.actor_id)),
            ("action", clean(&filter.action)),
            ("cursor", cursor.map(str::to_owned)),
        ] {
            if let Some(v) = value {
                query.push_str(&format!("&{name}={}", encode(&v)));
            }
        }
        let page: Page<AuditEvent> = online
            .session
            .get(&format!("/v1/venues/{}/audit?{query}", online.venue_id))
            .await
            .map_err(|e| self.fail(e))?;
        self.mark_online();
        Ok(AuditPage {
            items: page
                .items
                .into_iter()
                .map(|e| AuditEventView {
                    seq: e.seq,
                    at: e.at,
                    actor_type: e.actor.kind,
                    actor_id: e.actor.id.map(|a| a.to_string()),
                    action: e.action,
                    target_type: e.target.kind,
                    target_id: e.target.id,
                    details: e.details.to_string(),
                })
                .collect(),
            next_cursor: page.next_cursor,
        })
    }

    /// What the save dialog proposes for an audit export; refuses first what could never
    /// be exported (no session or venue), so no dialog opens for nothing.
    pub fn audit_export_save_as(&self, filter: &AuditFilter, format: ExportFormat) -> Result<SaveAs, AppError> {
        self.online()?;
        let (filter_name, extension) = match format {
            ExportFormat::Csv => ("CSV", "csv"),
            ExportFormat::Jsonl => ("JSON Lines", "jsonl"),
        };
        let from = clean(&filter.from).unwrap_or_else(|| "all".into());
        let to = clean(&filter.to).unwrap_or_else(|| "now".into());
        Ok(SaveAs::new(&format!("audit-{from}-{to}"), filter_name, extension))
    }

    /// Streams the export to `path` (the path the person chose in the save dialog the shell
    /// opened, never one from the webview), verifying the hash chain of JSON Lines.
    pub async fn export_audit(
        &self,
        filter: &AuditFilter,
        format: ExportFormat,
        path: &Path,
    ) -> Result<ExportResult, AppError> {
        let online = self.online()?;
        let range = audit::Range { from: clean(&filter.from), to: clean(&filter.to) };
        let format = match format {
            ExportFormat::Csv => audit::Format::Csv,
            ExportFormat::Jsonl => audit::Format::Jsonl,
        };
        let sink = self.progress.clone();
        let done = audit::export(&online.session, online.venue_id, &range, format, path, &mut |bytes| {
            (sink)(Progress { task: ProgressTask::Export, done: bytes, total: 0 })
        })
        .await
        .map_err(|e| self.fail(e))?;
        self.mark_online();
        (self.progress)(Progress { task: ProgressTask::Export, done: 1, total: 1 });
        Ok(match done.verified_events {
            Some(n) => ExportResult {
                path: path.display().to_string(),
                events: n,
                verified: true,
                message: format!("Chain verified: {n} events, each linked to the one before by SHA-256."),
            },
            None => ExportResult {
                path: path.display().to_string(),
                events: 0,
                verified: false,
                message: "Saved. CSV is for reading: export JSON Lines to verify the chain.".into(),
            },
        })
    }
}
