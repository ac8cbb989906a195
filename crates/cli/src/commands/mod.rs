//! One module per group of commands.

pub mod account;
pub mod audit;
pub mod bookings;
pub mod floor;
pub mod orders;
pub mod sync;
pub mod tables;

use anyhow::Context as _;
use venuedesk_console_core::settings;

use crate::context::Ctx;
use crate::{Cli, Command};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let dir =
        settings::data_dir(cli.data_dir).context("no data directory: pass --data-dir or set VENUEDESK_DATA_DIR")?;
    let mut ctx = Ctx::new(dir, cli.json)?;
    match cli.command {
        Command::Login { server, email, password_stdin, totp_stdin, device } => {
            account::login(&mut ctx, &server, &email, password_stdin, totp_stdin, &device).await
        }
        Command::Logout => account::logout(&mut ctx).await,
        Command::Whoami => account::whoami(&ctx).await,
        Command::Venues => account::venues(&ctx).await,
        Command::Use { venue } => account::use_venue(&mut ctx, &venue).await,
        Command::Sessions(c) => account::sessions(&ctx, c).await,
        Command::Bookings(c) => bookings::run(&ctx, c).await,
        Command::Orders(c) => orders::run(&ctx, c).await,
        Command::Tables(c) => tables::run(&ctx, c).await,
        Command::Availability { date, party } => floor::availability(&ctx, date, party).await,
        Command::Waitlist(c) => floor::waitlist(&ctx, c).await,
        Command::Sync => sync::sync(&ctx).await,
        Command::Status => sync::status(&ctx).await,
        Command::Audit(c) => audit::run(&ctx, c).await,
    }
}
