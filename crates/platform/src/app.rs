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
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreError};
use crate::{http, routes};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("PostgreSQL is not supported yet: use a sqlite:// database URL (PostgreSQL support is planned)")]
    PostgresNotYet,
    #[error("unsupported database URL {0:?}: expected sqlite://PATH")]
    BadDatabaseUrl(String),
    #[error("opening the database: {0}")]
    Store(#[from] StoreError),
    #[error("loading keys: {0}")]
    Keys(#[from] KeyRingError),
    #[error("loading the token signing key: {0}")]
    Tokens(#[from] TokenError),
    #[error("password hasher: {0}")]
    Password(#[from] PasswordError),
}

/// Opens the store a database URL names.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>, StartError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(StartError::PostgresNotYet);
    }
    if !url.starts_with("sqlite:") {
        return Err(StartError::BadDatabaseUrl(url.to_string()));
    }
    Ok(Arc::new(SqliteStore::open(url).await?))
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
    };
    let (api_router, doc) =
        OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(routes::api(state.clone())).split_for_parts();
    let doc = Arc::new(apply_conventions(doc));
    let router = api_router
        .route("/openapi.json", get(move || std::future::ready(axum::Json(doc.as_ref().clone()))))
        .fallback(http::not_found)
        .with_state(state.clone());
    let router = http::layer_all(router, state.clone());
    Ok(Platform { state, router })
}

/// Periodically deletes expired idempotency records and brute-force counters.
pub fn spawn_housekeeping(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            match state.store.purge_expired(state.clock.now()).await {
                Ok(n) => tracing::debug!(purged = n, "housekeeping"),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
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
