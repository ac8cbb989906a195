//! Orders: the kitchen queue, read from the offline cache; new orders and status changes
//! are queued and sent when the platform is reachable, like bookings.

use anyhow::Context as _;
use clap::Subcommand;
use serde_json::json;
use uuid::Uuid;
use venuedesk_api::OrderStatus;
use venuedesk_console_core::sync::NewOrderLine;

use crate::context::{Ctx, try_sync};
use crate::output::emit;

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    List {
        /// received, preparing, ready, served or cancelled.
        #[arg(long)]
        status: Option<OrderStatus>,
    },
    /// `--item PRODUCT_ID:QUANTITY`, repeatable.
    Create {
        #[arg(long = "item", required = true)]
        items: Vec<String>,
        #[arg(long)]
        table: Option<String>,
    },
    /// Move an order on: preparing, ready, served or cancelled.
    Status { id: Uuid, status: OrderStatus },
}

pub async fn run(ctx: &Ctx, c: OrdersCommand) -> anyhow::Result<()> {
    let mut cache = ctx.cache()?;
    let vid = ctx.venue()?;
    match c {
        OrdersCommand::List { status } => {
            let online = try_sync(ctx, &mut cache).await?;
            let rows = cache.orders(status.map(OrderStatus::as_str))?;
            let items: Vec<_> = rows.iter().map(|(o, pending)| json!({"order": o, "pending": pending})).collect();
            emit(ctx.json, &json!({"online": online, "items": items}), || {
                let mut lines: Vec<String> = rows
                    .iter()
                    .map(|(o, pending)| {
                        format!(
                            "{}  {:<10} {:>8} {}  {} item(s){}",
                            o.id,
                            o.status,
                            format!("{}.{:02}", o.total_cents / 100, o.total_cents % 100),
                            o.currency,
                            o.items.len(),
                            if *pending { "  (pending)" } else { "" }
                        )
                    })
                    .collect();
                if lines.is_empty() {
                    lines.push("no orders".into());
                }
                if !online {
                    lines.insert(0, "(offline: cached)".into());
                }
                lines.join("\n")
            });
        }
        OrdersCommand::Create { items, table } => {
            let mut lines = Vec::new();
            for i in &items {
                let (product, qty) =
                    i.split_once(':').ok_or_else(|| anyhow::anyhow!("{i:?} is not PRODUCT_ID:QUANTITY"))?;
                lines.push(NewOrderLine {
                    product_id: product.parse().with_context(|| format!("{product:?} is not a product id"))?,
                    quantity: qty.parse().with_context(|| format!("{qty:?} is not a quantity"))?,
                    notes: None,
                });
            }
            let o = cache.create_order(vid, lines, table, None)?;
            let online = try_sync(ctx, &mut cache).await?;
            let (now, pending) = cache.orders(None)?.into_iter().find(|(x, _)| x.id == o.id).unwrap_or((o, true));
            emit(ctx.json, &json!({"order": now, "pending": pending, "online": online}), || {
                format!("Order {} {}{}", now.id, now.status, if pending { " (offline: queued)" } else { "" })
            });
        }
        OrdersCommand::Status { id, status } => {
            let o = cache.set_order_status(vid, id, status.as_str())?;
            let online = try_sync(ctx, &mut cache).await?;
            emit(ctx.json, &json!({"order": o, "online": online}), || {
                format!("Order {} is now {}{}", o.id, o.status, if online { "" } else { " (offline: queued)" })
            });
        }
    }
    Ok(())
}
