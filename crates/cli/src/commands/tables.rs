//! The floor: the venue's tables by area, read from the offline cache (refreshed first when
//! the platform is reachable), so the front desk sees them with the Wi-Fi down too.

use std::collections::HashMap;

use clap::Subcommand;
use serde_json::json;
use venuedesk_api::front_desk::Table;
use venuedesk_console_core::cache::Kind;

use crate::context::{Ctx, try_sync};
use crate::output::emit;

#[derive(Debug, Subcommand)]
pub enum TablesCommand {
    /// Every table: area, name, seats, and the tables it can be pushed together with.
    List {
        /// Only this area.
        #[arg(long)]
        area: Option<String>,
    },
}

pub async fn run(ctx: &Ctx, c: TablesCommand) -> anyhow::Result<()> {
    let mut cache = ctx.cache()?;
    match c {
        TablesCommand::List { area } => {
            let online = try_sync(ctx, &mut cache).await?;
            let rows: Vec<(Table, bool)> = cache
                .records::<Table>(Kind::Table, None, None)?
                .into_iter()
                .filter(|(t, _)| area.as_deref().is_none_or(|a| t.area.eq_ignore_ascii_case(a)))
                .collect();
            let names: HashMap<_, _> = rows.iter().map(|(t, _)| (t.id, t.name.clone())).collect();
            let items: Vec<_> = rows.iter().map(|(t, pending)| json!({"table": t, "pending": pending})).collect();
            emit(ctx.json, &json!({"online": online, "items": items}), || {
                let mut lines: Vec<String> = rows
                    .iter()
                    .map(|(t, _)| {
                        let with: Vec<&str> =
                            t.combinable_with.iter().filter_map(|id| names.get(id).map(String::as_str)).collect();
                        format!(
                            "{:<12} {:<8} {}-{} seats{}",
                            t.area,
                            t.name,
                            t.seats_min,
                            t.seats_max,
                            if with.is_empty() {
                                String::new()
                            } else {
                                format!("  combines with {}", with.join(", "))
                            }
                        )
                    })
                    .collect();
                if lines.is_empty() {
                    lines.push("no tables".into());
                }
                if !online {
                    lines.insert(0, "(offline: cached)".into());
                }
                lines.join("\n")
            });
        }
    }
    Ok(())
}
