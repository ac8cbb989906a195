//! Audit exports for a manager's nightly job, verified as they are written.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use venuedesk_api::audit_chain;

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

/// Verifies a JSON Lines file line by line; returns the number of events.
pub fn verify_file(path: &Path) -> anyhow::Result<u64> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut v = audit_chain::Verifier::default();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let event = serde_json::from_str(&line).with_context(|| format!("line {} is not JSON", n + 1))?;
        v.push(event)?;
    }
    Ok(v.checked())
}

pub async fn run(ctx: &Ctx, c: AuditCommand) -> anyhow::Result<()> {
    match c {
        AuditCommand::Verify { file } => {
            let n = verify_file(&file)?;
            emit(ctx.json, &json!({"verified": true, "events": n}), || {
                format!("{}: chain verified, {n} events.", file.display())
            });
        }
        AuditCommand::Export { from, to, format, output } => {
            let session = ctx.session()?;
            let vid = ctx.venue()?;
            let fmt = match format {
                Format::Csv => "csv",
                Format::Jsonl => "jsonl",
            };
            let mut query = format!("format={fmt}");
            if let Some(f) = &from {
                query.push_str(&format!("&from={f}"));
            }
            if let Some(t) = &to {
                query.push_str(&format!("&to={t}"));
            }
            let tmp = output.with_extension("partial");
            let mut file =
                tokio::fs::File::create(&tmp).await.with_context(|| format!("creating {}", tmp.display()))?;
            let bar = if ctx.json { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
            bar.set_style(
                ProgressStyle::with_template("{spinner} exporting {bytes} ({bytes_per_sec})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            let written = session
                .download(&format!("/v1/venues/{vid}/audit/export?{query}"), &mut file, &mut |n| bar.set_position(n))
                .await?;
            bar.finish_and_clear();
            drop(file);
            let events = match format {
                Format::Jsonl => Some(verify_file(&tmp).context("the export does not verify: not saved")?),
                Format::Csv => None,
            };
            std::fs::rename(&tmp, &output)?;
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
