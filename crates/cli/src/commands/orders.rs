//! Orders: the kitchen queue. These go straight to the platform (not cached offline yet).

use clap::Subcommand;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;
use venuedesk_api::venue::{Order, Page};

use crate::context::Ctx;
use crate::output::emit;

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    List {
        #[arg(long)]
        status: Option<String>,
    },
    /// `--item PRODUCT_ID:QUANTITY`, repeatable.
    Create {
        #[arg(long = "item", required = true)]
        items: Vec<String>,
        #[arg(long)]
        table: Option<String>,
    },
    Status {
        id: Uuid,
        status: String,
    },
}

pub async fn run(ctx: &Ctx, c: OrdersCommand) -> anyhow::Result<()> {
    let session = ctx.session()?;
    let vid = ctx.venue()?;
    match c {
        OrdersCommand::List { status } => {
            let query = status.map(|s| format!("?status={s}")).unwrap_or_default();
            let page: Page<Order> = session.get(&format!("/v1/venues/{vid}/orders{query}")).await?;
            emit(ctx.json, &page, || {
                page.items
                    .iter()
                    .map(|o| {
                        format!(
                            "{}  {:<10} {:>6} {}  {} item(s)",
                            o.id,
                            o.status,
                            o.total_cents,
                            o.currency,
                            o.items.len()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        OrdersCommand::Create { items, table } => {
            let mut lines = Vec::new();
            for i in &items {
                let (product, qty) =
                    i.split_once(':').ok_or_else(|| anyhow::anyhow!("{i:?} is not PRODUCT_ID:QUANTITY"))?;
                lines.push(json!({"product_id": product.parse::<Uuid>()?, "quantity": qty.parse::<i64>()?}));
            }
            let body = json!({"items": lines, "table_label": table});
            let o: Order =
                session.call(Method::POST, &format!("/v1/venues/{vid}/orders"), Some(&body), None, None).await?;
            emit(ctx.json, &o, || format!("Order {} received: {} {}", o.id, o.total_cents, o.currency));
        }
        OrdersCommand::Status { id, status } => {
            let o: Order = session
                .call(
                    Method::POST,
                    &format!("/v1/venues/{vid}/orders/{id}/status"),
                    Some(&json!({"status": status})),
                    None,
                    None,
                )
                .await?;
            emit(ctx.json, &o, || format!("Order {} is now {}", o.id, o.status));
        }
    }
    Ok(())
}
