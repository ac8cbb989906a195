//! Command line and environment: every flag is also a `VENUEDESK_*` variable.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

use crate::store::postgres::PoolSettings;
use crate::tls::TlsMin;

#[derive(Debug, Parser)]
#[command(name = "venuedesk-platform", version, about = "The Venuedesk platform API server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log format: `pretty` for people, `json` for production log collectors.
    #[arg(long, env = "VENUEDESK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run migrations, then serve the API.
    Serve(Box<ServeArgs>),
    /// Create or upgrade the database schema and exit (PostgreSQL: as the owner role).
    Migrate(MigrateArgs),
    /// Audit trail tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Incident response.
    #[command(subcommand)]
    Incident(IncidentCommand),
    /// Enforce the retention policy now (`serve` does it hourly); prints rows deleted per class.
    Prune(OpsArgs),
    /// Key rotation.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Write a consistent, age-encrypted snapshot of the whole database while `serve` runs
    /// (`backup verify` checks one). PostgreSQL: give the URL of a role that reads past
    /// row-level security (the superuser, or a BYPASSRLS role).
    Backup(Box<BackupArgs>),
    /// Restore a backup into an empty database (`--force` replaces a non-empty one); stop
    /// every node first. PostgreSQL: as the superuser (or a BYPASSRLS role), into a database
    /// whose roles (owner, app role) exist.
    Restore(RestoreArgs),
}

#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub verify: Option<BackupCommand>,
    #[command(flatten)]
    pub ops: OpsArgs,
    /// The backup file to write (mode 0600; written whole, then renamed into place).
    #[arg(long, required = true)]
    pub out: Option<PathBuf>,
    /// An age X25519 public key (age1…) that may open the backup; repeatable. The identity
    /// (secret key) stays elsewhere: it is never needed to make a backup.
    #[arg(long = "recipient", required = true)]
    pub recipients: Vec<String>,
    /// Delete `*.age` files older than this many days in the output's directory after a
    /// successful backup (keep that directory for backups only); 0 keeps everything.
    #[arg(long, default_value_t = 30)]
    pub prune_days: u32,
}

#[derive(Debug, Clone, Subcommand)]
pub enum BackupCommand {
    /// Restore a backup into a scratch database and check every venue's audit chain there.
    Verify {
        #[command(flatten)]
        ops: OpsArgs,
        #[arg(long)]
        from: PathBuf,
        /// The age identity file (AGE-SECRET-KEY-1…) that opens the backup.
        #[arg(long)]
        identity: PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub ops: OpsArgs,
    #[arg(long)]
    pub from: PathBuf,
    /// The age identity file (AGE-SECRET-KEY-1…) that opens the backup.
    #[arg(long)]
    pub identity: PathBuf,
    /// Replace a database that is not empty.
    #[arg(long)]
    pub force: bool,
    /// With --force on PostgreSQL: how long to wait for a node still serving the database
    /// to let go of it before giving up (nothing is changed then).
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub wait: u64,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// A new Ed25519 key signs access tokens from now on; the JWKS keeps the old one until
    /// every token it signed has expired. Running nodes switch within seconds.
    RotateSigning(OpsArgs),
    /// Re-wrap every data key under a new master key in one transaction. Then put the new
    /// key file where every node's --master-key-file points (running nodes re-read it) and
    /// take the old one off the servers: it opens nothing in the live database any more
    /// (keep it offline until every backup taken before the rotation has expired).
    /// A new data key version for one venue; everything sealed under older versions is
    /// re-sealed under it while the platform keeps serving (older versions stay readable:
    /// the audit trail's sealed personal data names its version).
    RotateVenue {
        #[command(flatten)]
        ops: OpsArgs,
        #[arg(long)]
        venue: uuid::Uuid,
    },
    RotateMaster {
        #[command(flatten)]
        ops: OpsArgs,
        /// The new master key (32 bytes); generated (mode 0600) when the file does not exist.
        #[arg(long)]
        new_key_file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// End every matching session at once, on every node (their access tokens answer
    /// `401 session_revoked`; consoles wipe themselves on their next contact). Audited.
    RevokeSessions(RevokeSessionsArgs),
}

#[derive(Debug, Clone, Args)]
#[group(id = "scope", required = true, multiple = false, args = ["user", "venue", "all"])]
pub struct RevokeSessionsArgs {
    #[command(flatten)]
    pub ops: OpsArgs,
    /// Every session of this account (its email address).
    #[arg(long)]
    pub user: Option<String>,
    /// Every session of every member of this venue.
    #[arg(long)]
    pub venue: Option<uuid::Uuid>,
    /// Every session of every account.
    #[arg(long)]
    pub all: bool,
}

/// What every operations command takes: the same database and master key as `serve`.
#[derive(Debug, Clone, Args)]
pub struct OpsArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// The master key `serve` uses (see `serve --help`).
    #[arg(long, env = "VENUEDESK_MASTER_KEY_FILE", default_value = "./venuedesk-data/master.key")]
    pub master_key_file: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute a venue's hash chain from the database; names the first broken seq.
    Verify {
        #[command(flatten)]
        db: DatabaseArgs,
        /// The venue's id.
        #[arg(long)]
        venue: uuid::Uuid,
    },
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `sqlite://PATH` (created when missing) or `postgres://USER:PASSWORD@HOST:PORT/DB`:
    /// `migrate` as the owner role, `serve` as the application role.
    #[arg(long, env = "VENUEDESK_DATABASE", default_value = "sqlite://./venuedesk-data/platform.db")]
    pub database: String,
    /// PostgreSQL: connections this node keeps open at most.
    #[arg(long, env = "VENUEDESK_DB_POOL_SIZE", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_pool_size: u32,
    /// PostgreSQL: seconds a request waits for a free connection before failing.
    #[arg(long, env = "VENUEDESK_DB_ACQUIRE_TIMEOUT", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub db_acquire_timeout: u64,
}

impl DatabaseArgs {
    pub fn pool(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.db_pool_size,
            acquire_timeout: std::time::Duration::from_secs(self.db_acquire_timeout),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// PostgreSQL: the application role `serve` runs as, granted what it needs and no more.
    #[arg(long, env = "VENUEDESK_APP_ROLE", default_value = "venuedesk_app")]
    pub app_role: String,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "VENUEDESK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The operator's address for `GET /metrics` (Prometheus text format); off unless set.
    /// Keep it on loopback or a private network: it is not authenticated.
    #[arg(long, env = "VENUEDESK_ADMIN_LISTEN")]
    pub admin_listen: Option<SocketAddr>,
    /// PEM certificate chain; serves HTTPS (with HSTS) when given with --tls-key.
    #[arg(long, env = "VENUEDESK_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, env = "VENUEDESK_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Oldest TLS version accepted.
    #[arg(long, env = "VENUEDESK_TLS_MIN", value_enum, default_value = "1.3")]
    pub tls_min: TlsMin,
    /// The 32-byte master key that wraps every data key; generated (mode 0600) when missing.
    #[arg(long, env = "VENUEDESK_MASTER_KEY_FILE", default_value = "./venuedesk-data/master.key")]
    pub master_key_file: PathBuf,
    /// A proxy (IP or CIDR, repeatable or comma-separated) whose X-Forwarded-For is believed.
    #[arg(long = "trusted-proxy", env = "VENUEDESK_TRUSTED_PROXY", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<IpNet>,
    /// Create the demo owner account and print its credentials at start.
    #[arg(long, env = "VENUEDESK_DEMO")]
    pub demo: bool,
    /// `iss` of access tokens.
    #[arg(long, env = "VENUEDESK_ISSUER", default_value = "venuedesk")]
    pub issuer: String,
    /// Seconds before a request is answered `408 request_timeout`.
    /// At most 110 s: a request still running after the 2-minute idempotency lock could
    /// otherwise be retried alongside itself.
    #[arg(long, env = "VENUEDESK_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=110))]
    pub request_timeout: u64,
    /// Sign-up, login and MFA requests allowed per client IP per minute.
    #[arg(long, env = "VENUEDESK_AUTH_RATE_LIMIT", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub auth_rate_limit: u32,
    /// `Contact:` of /.well-known/security.txt.
    #[arg(long, env = "VENUEDESK_SECURITY_CONTACT", default_value = "mailto:security@venuedesk.invalid")]
    pub security_contact: String,
    /// `Policy:` of /.well-known/security.txt.
    #[arg(long, env = "VENUEDESK_SECURITY_POLICY", default_value = "https://venuedesk.invalid/security-policy")]
    pub security_policy: String,
    /// Let webhooks target loopback, private and link-local addresses, and `http://`
    /// (tests and local use only: it lifts the SSRF defence).
    #[arg(long, env = "VENUEDESK_WEBHOOKS_ALLOW_PRIVATE")]
    pub webhooks_allow_private: bool,
}

fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{s:?} is not an IP address or CIDR network"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_defaults_and_proxies() {
        let cli =
            Cli::try_parse_from(["venuedesk-platform", "serve", "--trusted-proxy", "10.0.0.0/8,127.0.0.1"]).unwrap();
        let Command::Serve(args) = cli.command else { panic!("serve expected") };
        assert_eq!(args.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(args.db.database, "sqlite://./venuedesk-data/platform.db");
        assert_eq!(args.trusted_proxies.len(), 2);
        assert_eq!(args.tls_min, TlsMin::Tls13);
        assert!(Cli::try_parse_from(["venuedesk-platform", "serve", "--tls-cert", "c.pem"]).is_err(), "cert needs key");
        assert!(Cli::try_parse_from(["venuedesk-platform", "serve", "--trusted-proxy", "nope"]).is_err());
    }

    #[test]
    fn the_command_line_is_consistent_and_backup_verify_parses() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from([
            "venuedesk-platform",
            "backup",
            "verify",
            "--database",
            "sqlite://x.db",
            "--from",
            "b.age",
            "--identity",
            "k.txt",
        ])
        .unwrap();
        let Command::Backup(b) = cli.command else { panic!("backup expected") };
        assert!(matches!(b.verify, Some(BackupCommand::Verify { .. })));
        assert!(
            Cli::try_parse_from(["venuedesk-platform", "backup", "--out", "b.age"]).is_err(),
            "a recipient is required"
        );
    }

    #[test]
    fn revoke_sessions_takes_exactly_one_scope() {
        let parse = |extra: &[&str]| {
            let mut args = vec!["venuedesk-platform", "incident", "revoke-sessions"];
            args.extend_from_slice(extra);
            Cli::try_parse_from(args)
        };
        assert!(parse(&[]).is_err(), "a scope is required");
        assert!(parse(&["--all", "--user", "a@example.com"]).is_err(), "only one scope");
        let Ok(Cli { command: Command::Incident(IncidentCommand::RevokeSessions(a)), .. }) =
            parse(&["--user", "a@example.com"])
        else {
            panic!("revoke-sessions --user parses")
        };
        assert_eq!((a.user.as_deref(), a.venue, a.all), (Some("a@example.com"), None, false));
    }
}
