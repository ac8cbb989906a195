//! Assembling the platform: open the store, migrate, load keys, build the router, serve.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::password::{PasswordError, PasswordHasher};
use crate::auth::tokens::{TokenError, TokenService};
use crate::clock::Clock;
use crate::crypto::key_ring::KeyRingError;
use crate::crypto::{KeyRing, MasterKey};
use crate::openapi::{ApiDoc, apply_conventions};
use crate::state::{AppState, Settings};
use crate::store::postgres::roles::UnsafeRole;
use crate::store::postgres::{PgStore, PoolSettings};
use crate::store::sqlite::SqliteStore;
use crate::store::{Lifecycle, Store, StoreError};
use crate::{http, routes};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("unsupported database URL {0:?}: expected sqlite://PATH or postgres://USER@HOST/DB")]
    BadDatabaseUrl(String),
    #[error("opening the database: {0}")]
    Store(#[from] StoreError),
    /// `serve` connected as a role row-level security would not bind (exit code 2).
    #[error("refusing to serve: {0}")]
    UnsafeRole(#[from] UnsafeRole),
    #[error("loading keys: {0}")]
    Keys(#[from] KeyRingError),
    #[error("loading the token signing key: {0}")]
    Tokens(#[from] TokenError),
    #[error("password hasher: {0}")]
    Password(#[from] PasswordError),
    #[error("metrics registry: {0}")]
    Metrics(String),
}

/// Which backend a database URL names.
enum Backend<'a> {
    Sqlite(&'a str),
    Postgres(&'a str),
}

fn backend(url: &str) -> Result<Backend<'_>, StartError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres(url))
    } else if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite(url))
    } else {
        Err(StartError::BadDatabaseUrl(url.to_string()))
    }
}

/// Opens the store a database URL names, with default pool settings.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>, StartError> {
    open_store_with(url, PoolSettings::default()).await
}

/// Opens the store a database URL names.
pub async fn open_store_with(url: &str, pool: PoolSettings) -> Result<Arc<dyn Store>, StartError> {
    Ok(match backend(url)? {
        Backend::Sqlite(url) => Arc::new(SqliteStore::open(url).await?),
        Backend::Postgres(url) => Arc::new(PgStore::open(url, pool).await?),
    })
}

/// Opens the store `serve` runs on: on PostgreSQL, only as a role that row-level security
/// binds (not a superuser, not BYPASSRLS, not the tables' owner).
pub async fn open_serving_store(url: &str, pool: PoolSettings) -> Result<Arc<dyn Store>, StartError> {
    if let Backend::Postgres(url) = backend(url)? {
        let store = PgStore::open(url, pool).await?;
        store.check_serving_role().await??;
        return Ok(Arc::new(store));
    }
    open_store_with(url, pool).await
}

/// `migrate`: creates or upgrades the schema. On PostgreSQL this runs as the owner and
/// grants `app_role` what serving needs.
pub async fn migrate_database(url: &str, pool: PoolSettings, app_role: &str) -> Result<(), StartError> {
    match backend(url)? {
        Backend::Sqlite(url) => SqliteStore::open(url).await?.migrate().await?,
        Backend::Postgres(url) => PgStore::open(url, pool).await?.migrate_as_owner(app_role).await?,
    }
    Ok(())
}

pub struct Platform {
    pub state: AppState,
    pub router: Router,
}

/// Migrates, loads (or creates) the platform keys and builds the full router.
pub async fn build(
    store: Arc<dyn Store>,
    master: MasterKey,
    settings: Settings,
    clock: Arc<dyn Clock>,
    issuer: String,
) -> Result<Platform, StartError> {
    store.migrate().await?;
    let keys = Arc::new(KeyRing::new(master, store.clone()));
    let platform_key = keys.platform().await?;
    let tokens = Arc::new(TokenService::load_or_create(store.as_ref(), &platform_key, issuer, clock.now()).await?);
    let state = AppState {
        store,
        keys,
        tokens,
        passwords: PasswordHasher::new(PasswordHasher::default_parallelism())?,
        clock,
        settings: Arc::new(settings),
        metrics: Arc::new(crate::metrics::Metrics::new().map_err(|e| StartError::Metrics(e.to_string()))?),
    };
    let (api_router, doc) =
        OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(routes::api(state.clone())).split_for_parts();
    let doc = Arc::new(apply_conventions(doc));
    let router = api_router
        .route("/openapi.json", get(move || std::future::ready(axum::Json(doc.as_ref().clone()))))
        .fallback(http::not_found)
        .with_state(state.clone());
    let router = http::layer_all(router, state.clone());
    // Every node delivers webhooks; the store keeps them from sending one twice at once.
    crate::webhooks::worker::spawn(state.clone());
    spawn_signing_key_watch(state.clone());
    spawn_alert_summaries(state.clone());
    Ok(Platform { state, router })
}

/// The operator's listener (`serve --admin-listen`): `GET /metrics` and nothing else.
/// Never merged into the public router.
pub fn admin_router(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|axum::extract::State(state): axum::extract::State<AppState>| async move {
                let body = state.metrics.render(state.store.as_ref()).await;
                ([(axum::http::header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], body)
            }),
        )
        .fallback(|| async { axum::http::StatusCode::NOT_FOUND })
        .with_state(state)
}

/// How soon a running node signs with a key `keys rotate-signing` stored.
pub const SIGNING_KEY_RELOAD: std::time::Duration = std::time::Duration::from_secs(5);

fn spawn_signing_key_watch(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SIGNING_KEY_RELOAD);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let reloaded = match state.keys.platform().await {
                Ok(key) => state.tokens.reload(state.store.as_ref(), &key).await,
                Err(e) => {
                    tracing::warn!(error = %e, "signing keys not reloaded");
                    continue;
                }
            };
            match reloaded {
                Ok(true) => tracing::info!("signing keys reloaded: a rotated key signs from now on"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "signing keys not reloaded"),
            }
        }
    })
}

/// Closes bursts of security alerts (a summary webhook each) on every node; the store sends
/// each summary once.
fn spawn_alert_summaries(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = crate::alerts::send_summaries(&state).await {
                tracing::warn!(error = %e, "security alert summaries not sent; retried in 30 s");
            }
        }
    })
}

/// Enforces the retention policy hourly (`ops::retention`).
pub fn spawn_housekeeping(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // Hourly, from start; several nodes may prune at once (each rule is idempotent).
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match crate::ops::retention::prune(state.store.as_ref(), state.clock.now()).await {
                Ok(done) => {
                    let rows: u64 = done.iter().map(|(_, n)| n).sum();
                    tracing::info!(rows, "retention policy enforced");
                }
                Err(e) => tracing::warn!(error = %e, "retention pruning failed; retried in an hour"),
            }
        }
    })
}

/// Serves plain HTTP on an already-bound listener until `shutdown` resolves.
pub async fn serve_http(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves HTTPS with rustls on an already-bound listener.
pub async fn serve_https(
    listener: std::net::TcpListener,
    router: Router,
    config: Arc<rustls::ServerConfig>,
    handle: axum_server::Handle,
) -> std::io::Result<()> {
    let config = axum_server::tls_rustls::RustlsConfig::from_config(config);
    axum_server::from_tcp_rustls(listener, config)
        .handle(handle)
        .serve(router.into_make_service_with_connect_info::<SocketAddr>())
        .await
}
