//! `venuedesk`: the console on the command line, on the same engine as the desktop app.
//! Reads work offline from the encrypted cache; writes are queued and synced.
//!
//! Exit codes: 0 done, 1 failed, 2 usage (also a server address refused: plain `http://`
//! to another computer), 3 not signed in, the session ended, or sign in again (the role
//! now requires MFA; queued work is kept), 4 the platform could not be reached (queued work
//! is kept).

mod commands;
mod context;
mod output;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use venuedesk_console_core::CoreError;

#[derive(Debug, Parser)]
#[command(name = "venuedesk", version, about = "The Venuedesk console on the command line")]
pub struct Cli {
    /// Where the settings (shared with the desktop console) and the encrypted offline caches live.
    #[arg(long, env = "VENUEDESK_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in (password and code prompted, or read from stdin for scripts).
    Login {
        /// https://…; plain http:// only for a platform on this computer (localhost, 127.0.0.1, ::1).
        #[arg(long, env = "VENUEDESK_SERVER")]
        server: String,
        #[arg(long)]
        email: String,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
        /// Read the TOTP code from the next line of stdin when MFA is on.
        #[arg(long)]
        totp_stdin: bool,
        #[arg(long, default_value = "venuedesk CLI")]
        device: String,
    },
    /// Sign out and wipe this account's offline data: every venue's cache and keychain item.
    Logout,
    /// Who is signed in, where.
    Whoami,
    /// The venues you are a member of.
    Venues,
    /// Work in this venue (id or name).
    Use { venue: String },
    /// Bookings of the current venue.
    #[command(subcommand)]
    Bookings(commands::bookings::BookingsCommand),
    /// Orders of the current venue.
    #[command(subcommand)]
    Orders(commands::orders::OrdersCommand),
    /// The current venue's tables.
    #[command(subcommand)]
    Tables(commands::tables::TablesCommand),
    /// Free start times for a party on a date (venue time; today by default). Offline: an
    /// estimate from the cache, said so.
    Availability {
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        party: i64,
    },
    /// The waitlist at the door.
    #[command(subcommand)]
    Waitlist(commands::floor::WaitlistCommand),
    /// Send queued changes and fetch what changed.
    Sync,
    /// Online or offline, queued changes, conflicts, last sync.
    Status,
    /// Your signed-in sessions.
    #[command(subcommand)]
    Sessions(commands::account::SessionsCommand),
    /// The venue's audit trail.
    #[command(subcommand)]
    Audit(commands::audit::AuditCommand),
}

fn exit_code(e: &anyhow::Error) -> i32 {
    match e.downcast_ref::<CoreError>() {
        Some(CoreError::InsecureServer(_)) => 2,
        Some(CoreError::NotSignedIn | CoreError::SessionEnded(_) | CoreError::MfaRequired { .. }) => 3,
        Some(CoreError::Network(_)) => 4,
        _ => 1,
    }
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(e) = commands::run(cli).await {
        eprintln!("venuedesk: {e:#}");
        std::process::exit(exit_code(&e));
    }
}
