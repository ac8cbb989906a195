//! Audit exports for a manager's nightly job, verified as they are written.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use venuedesk_console_core::audit;

use crate::context::Ctx;
use crate::output::emit;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Csv,
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Export a date range (venue days, inclusive) to a file.
    Export {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: Format,
        #[arg(short = 'o', long)]
        output: PathBuf,
    },
    /// Verify the hash chain of a JSON Lines export (SHA-256 + RFC 8785).
    Verify { file: PathBuf },
}

pub async fn run(ctx: &Ctx, c: AuditCommand) -> anyhow::Result<()> {
    match c {
        AuditCommand::Verify { file } => {
            let n = audit::verify_file(&file)?;
            emit(ctx.json, &json!({"verified": true, "events": n}), || {
                format!("{}: chain verified, {n} events.", file.display())
            });
        }
        AuditCommand::Export { from, to, format, output } => {
            let session = ctx.session()?;
            let vid = ctx.venue()?;
            let fmt = match format {
                Format::Csv => audit::Format::Csv,
                Format::Jsonl => audit::Format::Jsonl,
            };
            let bar = if ctx.json { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
            bar.set_style(
                ProgressStyle::with_template("{spinner} exporting {bytes} ({bytes_per_sec})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            let range = audit::Range { from, to };
            let done = audit::export(&session, vid, &range, fmt, &output, &mut |n| bar.set_position(n))
                .await
                .context("the export was not saved")?;
            bar.finish_and_clear();
            let (written, events) = (done.bytes, done.verified_events);
            if written == 0 {
                bail!("the export was empty");
            }
            emit(
                ctx.json,
                &json!({"file": output, "bytes": written, "verified": events.is_some(), "events": events}),
                || match events {
                    Some(n) => format!("Wrote {} ({written} bytes): chain verified, {n} events.", output.display()),
                    None => format!(
                        "Wrote {} ({written} bytes). CSV is for reading; export JSON Lines to verify the chain.",
                        output.display()
                    ),
                },
            );
        }
    }
    Ok(())
}
