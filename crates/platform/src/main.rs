//! `venuedesk-platform`: serve the API, run migrations, or an operations command.

use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use secrecy::{ExposeSecret, SecretString};
use tracing_subscriber::EnvFilter;
use venuedesk_platform::app::{self, StartError, open_store_with};
use venuedesk_platform::clock::SystemClock;
use venuedesk_platform::config::{
    AuditCommand, Cli, Command, IncidentCommand, KeysCommand, LogFormat, RevokeSessionsArgs, ServeArgs,
};
use venuedesk_platform::crypto::MasterKey;
use venuedesk_platform::state::Settings;
use venuedesk_platform::{demo, tls};

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_env("VENUEDESK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // Logs go to stderr; stdout is kept for what the operator asked to see (the demo banner).
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Pretty => builder.init(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match cli.command {
        Command::Migrate(args) => {
            app::migrate_database(&args.db.database, args.db.pool(), &args.app_role)
                .await
                .context("running migrations")?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Serve(args) => serve(*args).await,
        Command::Incident(IncidentCommand::RevokeSessions(args)) => revoke_sessions(args).await,
        Command::Keys(KeysCommand::RotateSigning(ops)) => {
            let store = open_operating_store(&ops.db).await?;
            let master = MasterKey::load(&ops.master_key_file)?;
            let keys = venuedesk_platform::crypto::KeyRing::new(master, store.clone());
            let kid =
                venuedesk_platform::ops::keys::rotate_signing(store.as_ref(), &keys, time::OffsetDateTime::now_utc())
                    .await
                    .context("rotating the signing key")?;
            println!(
                "new signing key {kid} signs from now on (running nodes switch within {} s); the old one stays in the JWKS for {} minutes",
                app::SIGNING_KEY_RELOAD.as_secs(),
                venuedesk_platform::auth::tokens::RETIRE_AFTER.whole_minutes()
            );
            Ok(())
        }
        Command::Keys(KeysCommand::RotateVenue { ops, venue }) => {
            use venuedesk_platform::ops::keys::{self, KeyOpsError};
            let store = open_operating_store(&ops.db).await?;
            let master = MasterKey::load(&ops.master_key_file)?;
            let ring = venuedesk_platform::crypto::KeyRing::new(master, store.clone());
            let settle = venuedesk_platform::crypto::key_ring::VENUE_VERSIONS_TTL + std::time::Duration::from_secs(1);
            let progress = |line: &str| println!("{line}");
            match keys::rotate_venue(store.as_ref(), &ring, venue, time::OffsetDateTime::now_utc(), settle, &progress)
                .await
            {
                Ok(r) => {
                    println!(
                        "venue {venue}: data key version {} seals from now on; {} value(s) re-sealed",
                        r.version, r.resealed
                    );
                    Ok(())
                }
                Err(e @ KeyOpsError::UnknownVenue(_)) => {
                    eprintln!("venuedesk-platform: {e}; nothing was changed");
                    std::process::exit(3);
                }
                Err(e) => Err(e).context("rotating the venue's data key"),
            }
        }
        Command::Keys(KeysCommand::RotateMaster { ops, new_key_file }) => {
            let store = open_operating_store(&ops.db).await?;
            let old = MasterKey::load(&ops.master_key_file)?;
            let (new, created) = MasterKey::load_or_create(&new_key_file)?;
            if created {
                println!("generated a new master key in {}", new_key_file.display());
            }
            let n = venuedesk_platform::ops::keys::rotate_master(
                store.as_ref(),
                &old,
                &new,
                time::OffsetDateTime::now_utc(),
            )
            .await
            .context("rotating the master key")?;
            println!(
                "{n} data key(s) re-wrapped under master key {} (was {}).\nNow replace {} with {} on every node \
                 (running nodes re-read it), then take the old key off the servers: it opens nothing in the \
                 database any more. Keep it offline until every backup taken before now has expired.",
                new.fingerprint(),
                old.fingerprint(),
                ops.master_key_file.display(),
                new_key_file.display()
            );
            Ok(())
        }
        Command::Backup(args) => backup_command(*args).await,
        Command::Restore(args) => {
            use venuedesk_platform::ops::backup::{self, BackupError};
            match backup::restore(&args.ops.db.database, &args.from, &args.identity, args.force, args.wait).await {
                Ok(s) => {
                    println!(
                        "restored {} bytes ({}) in {} ms; run `migrate` if this binary is newer than the backup, then start the nodes",
                        s.bytes, s.backend, s.millis
                    );
                    Ok(())
                }
                Err(
                    e @ (BackupError::NotEmpty(_)
                    | BackupError::InUse(_)
                    | BackupError::WrongIdentity
                    | BackupError::WrongBackend { .. }),
                ) => {
                    eprintln!("venuedesk-platform: {e}; nothing was changed");
                    std::process::exit(3);
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Prune(args) => {
            let store = open_operating_store(&args.db).await?;
            let done = venuedesk_platform::ops::retention::prune(store.as_ref(), time::OffsetDateTime::now_utc())
                .await
                .context("pruning")?;
            for (class, n) in &done {
                println!("{class:<24} {n} row(s) deleted");
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Verify { db, venue }) => {
            // An auditor's copy is read as it is: no migration, and no empty file created
            // for a mistyped path.
            require_existing_sqlite_file(&db.database);
            let store = open_store_with(&db.database, db.pool()).await?;
            match venuedesk_platform::audit::chain::verify_store(store.as_ref(), venue).await? {
                Ok(0) => {
                    println!(
                        "audit chain of venue {venue}: NO events found in this database \
                         (a wrong venue id or the wrong database file?); nothing was verified"
                    );
                    std::process::exit(3);
                }
                Ok(n) => {
                    println!("audit chain of venue {venue}: {n} events verified, intact");
                    Ok(())
                }
                Err(e) => {
                    println!("audit chain of venue {venue}: BROKEN at seq {}: {}", e.seq, e.reason);
                    std::process::exit(2);
                }
            }
        }
    }
}

async fn backup_command(args: venuedesk_platform::config::BackupArgs) -> anyhow::Result<()> {
    use venuedesk_platform::config::BackupCommand;
    use venuedesk_platform::ops::backup;
    if let Some(BackupCommand::Verify { ops, from, identity }) = args.verify {
        let v = backup::verify(&ops.db.database, &from, &identity).await.context("verifying the backup")?;
        for (venue, n) in &v.intact {
            println!("venue {venue}: {n} audit events, chain intact");
        }
        for (venue, seq, reason) in &v.broken {
            println!("venue {venue}: audit chain BROKEN at seq {seq}: {reason}");
        }
        println!("{} backup: {} venue(s) intact, {} broken", v.backend, v.intact.len(), v.broken.len());
        if !v.broken.is_empty() {
            std::process::exit(2);
        }
        return Ok(());
    }
    let out = args.out.context("--out is required")?;
    require_existing_sqlite_file(&args.ops.db.database);
    let s = backup::backup(&args.ops.db.database, &out, &args.recipients).await.context("writing the backup")?;
    println!("backup of the {} database: {} ({} bytes, {} ms)", s.backend, out.display(), s.bytes, s.millis);
    if args.prune_days > 0 {
        for old in backup::prune_old(&out, args.prune_days)? {
            println!("deleted {} (older than {} days)", old.display(), args.prune_days);
        }
    }
    Ok(())
}

async fn revoke_sessions(args: RevokeSessionsArgs) -> anyhow::Result<()> {
    use venuedesk_platform::ops::incident::{self, IncidentError, RevokeScope};
    let scope = match (args.user, args.venue) {
        (Some(email), _) => RevokeScope::User(email),
        (None, Some(venue)) => RevokeScope::Venue(venue),
        (None, None) => RevokeScope::All,
    };
    let store = open_operating_store(&args.ops.db).await?;
    match incident::revoke_sessions(store.as_ref(), time::OffsetDateTime::now_utc(), scope).await {
        Ok(done) => {
            println!(
                "ended {} session(s) of {} account(s); recorded in the audit trail of {} venue(s)",
                done.sessions, done.accounts, done.venues_audited
            );
            Ok(())
        }
        Err(e @ (IncidentError::UnknownUser | IncidentError::UnknownVenue(_))) => {
            eprintln!("venuedesk-platform: {e}; nothing was changed");
            std::process::exit(3);
        }
        Err(e) => Err(e.into()),
    }
}

/// The store an operations command works on: the one `serve` uses, with the same refusal
/// of a role that row-level security would not bind.
async fn open_operating_store(
    db: &venuedesk_platform::config::DatabaseArgs,
) -> anyhow::Result<Arc<dyn venuedesk_platform::store::Store>> {
    require_existing_sqlite_file(&db.database);
    let store = match app::open_serving_store(&db.database, db.pool()).await {
        Ok(store) => store,
        Err(e @ StartError::UnsafeRole(_)) => {
            eprintln!("venuedesk-platform: {e}");
            std::process::exit(2);
        }
        Err(e) => return Err(e.into()),
    };
    if !store.migrations_current().await? {
        eprintln!("venuedesk-platform: the database schema is not this version's; run `migrate` first");
        std::process::exit(2);
    }
    Ok(store)
}

/// Exits 3 when a `sqlite://` URL names no file (opening would create an empty one).
fn require_existing_sqlite_file(url: &str) {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        if !std::path::Path::new(path).is_file() {
            eprintln!("no database file at {path}");
            std::process::exit(3);
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = match app::open_serving_store(&args.db.database, args.db.pool()).await {
        Ok(store) => store,
        Err(e @ StartError::UnsafeRole(_)) => {
            eprintln!("venuedesk-platform: {e}");
            std::process::exit(2);
        }
        Err(e) => return Err(e.into()),
    };
    let (master, created) = MasterKey::load_or_create(&args.master_key_file)?;
    if created {
        tracing::warn!(
            path = %args.master_key_file.display(),
            "generated a new master key; back it up: without it the encrypted data cannot be read"
        );
    }
    let tls_config = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key, args.tls_min)?),
        _ => None,
    };
    let settings = Settings {
        auth_requests_per_ip_minute: args.auth_rate_limit,
        trusted_proxies: args.trusted_proxies.clone(),
        tls: tls_config.is_some(),
        request_timeout_secs: args.request_timeout,
        security_contact: args.security_contact.clone(),
        security_policy: args.security_policy.clone(),
        webhooks_allow_private: args.webhooks_allow_private,
    };
    let platform = app::build(store, master, settings, Arc::new(SystemClock), args.issuer.clone()).await?;
    if args.demo {
        let (password, generated) = match std::env::var("VENUEDESK_DEMO_PASSWORD") {
            Ok(p) if !p.is_empty() => (SecretString::from(p), false),
            _ => (demo::generate_password(), true),
        };
        let venue = demo::seed(&platform.state, &password).await?;
        println!("Demo venue \"{}\" ({venue}) is ready. Sign in as any of:", demo::VENUE_NAME);
        for (email, _, role) in demo::USERS {
            println!("  {email:<34} {}", role.name());
        }
        if generated {
            println!("  password: {}", password.expose_secret());
        } else {
            println!("  password: (from VENUEDESK_DEMO_PASSWORD)");
        }
    }
    app::spawn_housekeeping(platform.state.clone());
    if let Some(admin) = args.admin_listen {
        let listener = tokio::net::TcpListener::bind(admin).await.with_context(|| format!("binding {admin}"))?;
        tracing::info!(address = %format!("http://{}", listener.local_addr()?), "admin listening (/metrics)");
        let router = app::admin_router(platform.state.clone());
        tokio::spawn(async move {
            if let Err(e) = app::serve_http(listener, router, shutdown_signal()).await {
                tracing::error!(error = %e, "the admin listener stopped");
            }
        });
    }
    let scheme = if tls_config.is_some() { "https" } else { "http" };
    match tls_config {
        Some(config) => {
            let listener =
                std::net::TcpListener::bind(args.listen).with_context(|| format!("binding {}", args.listen))?;
            listener.set_nonblocking(true)?;
            tracing::info!(address = %format!("{scheme}://{}", listener.local_addr()?), "listening");
            let handle = axum_server::Handle::new();
            let h = handle.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                h.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            app::serve_https(listener, platform.router, config, handle).await?;
        }
        None => {
            let listener =
                tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
            tracing::info!(address = %format!("{scheme}://{}", listener.local_addr()?), "listening");
            app::serve_http(listener, platform.router, shutdown_signal()).await?;
        }
    }
    Ok(())
}
