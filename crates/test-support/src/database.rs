//! A fresh, migrated database per test. SQLite (the default): a file in the test's
//! directory. PostgreSQL, when `VENUEDESK_TEST_DATABASE` is an owner role's
//! `postgres://` URL (scripts/pg-cluster.sh prints one): a new database created by that
//! owner, migrated as the owner, and opened as the application role `venuedesk_app` —
//! exactly as production runs, so row-level security applies to every test.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use reqwest::Url;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use venuedesk_platform::app;
use venuedesk_platform::store::Store;
use venuedesk_platform::store::postgres::PoolSettings;

/// The environment variable naming the test database server.
pub const ENV: &str = "VENUEDESK_TEST_DATABASE";
/// The application role the cluster script creates (and its password).
pub const APP_ROLE: &str = "venuedesk_app";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backend this test run uses.
pub fn backend() -> Backend {
    match std::env::var(ENV) {
        Ok(url) if url.starts_with("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

pub struct TestDatabase {
    pub backend: Backend,
    /// What `serve` is given: the SQLite file, or the application role's URL.
    pub url: String,
    /// PostgreSQL: the owner's URL of this test's database (for `migrate` and raw checks).
    pub owner_url: Option<String>,
}

impl TestDatabase {
    /// A new database for one test; SQLite files go in `dir`.
    pub async fn fresh(dir: &Path) -> TestDatabase {
        match backend() {
            Backend::Sqlite => TestDatabase {
                backend: Backend::Sqlite,
                url: format!("sqlite://{}", dir.join("platform.db").display()),
                owner_url: None,
            },
            Backend::Postgres => Self::fresh_postgres().await,
        }
    }

    async fn fresh_postgres() -> TestDatabase {
        let server = std::env::var(ENV).unwrap();
        let name = format!("vd_{}", uuid::Uuid::new_v4().simple());
        let mut owner = PgConnection::connect_with(&PgConnectOptions::from_str(&server).unwrap())
            .await
            .unwrap_or_else(|e| panic!("{ENV}: cannot connect as the owner: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut owner).await.unwrap();
        owner.close().await.ok();
        let mut owner_url = Url::parse(&server).unwrap();
        owner_url.set_path(&name);
        let mut app_url = owner_url.clone();
        app_url.set_username(APP_ROLE).unwrap();
        app_url.set_password(Some(APP_ROLE)).unwrap();
        app::migrate_database(owner_url.as_str(), PoolSettings::default(), APP_ROLE)
            .await
            .unwrap_or_else(|e| panic!("migrating the test database: {e}"));
        TestDatabase { backend: Backend::Postgres, url: app_url.to_string(), owner_url: Some(owner_url.to_string()) }
    }

    /// The superuser's URL of this test's database (PostgreSQL only; the throwaway cluster
    /// of scripts/pg-cluster.sh gives its bootstrap superuser a password for this).
    pub fn superuser_url(&self) -> Option<String> {
        let mut url = Url::parse(self.owner_url.as_deref()?).ok()?;
        url.set_username("postgres").ok()?;
        url.set_password(Some("postgres")).ok()?;
        Some(url.to_string())
    }

    /// Everything the database holds at rest, as bytes to search: SQLite's file and WAL;
    /// on PostgreSQL every row of every table read as the superuser (past row-level
    /// security), binary columns rendered as hex.
    pub async fn stored_bytes(&self) -> Vec<u8> {
        match self.backend {
            Backend::Sqlite => {
                let path = self.url.trim_start_matches("sqlite://");
                let mut raw = std::fs::read(path).unwrap();
                if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
                    raw.extend(wal);
                }
                raw
            }
            Backend::Postgres => {
                let url = self.superuser_url().unwrap();
                let mut conn = PgConnection::connect(&url).await.unwrap();
                let tables: Vec<String> =
                    sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                let mut raw = Vec::new();
                for table in tables {
                    let rows: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT string_agg(row_to_json(t)::text, E'\\n') FROM \"{table}\" t"
                    )))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
                    raw.extend(rows.unwrap_or_default().into_bytes());
                }
                raw
            }
        }
    }

    /// `SELECT COUNT(*) FROM {from_where}` read past row-level security (SQLite: the file;
    /// PostgreSQL: as the superuser), e.g. `"sessions WHERE revoked_at IS NOT NULL"`.
    pub async fn count(&self, from_where: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {from_where}");
        match self.backend {
            Backend::Sqlite => {
                let path = self.url.trim_start_matches("sqlite://");
                let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
                let mut conn = sqlx::SqliteConnection::connect_with(&options).await.unwrap();
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut conn).await.unwrap();
                conn.close().await.ok();
                n
            }
            Backend::Postgres => {
                let mut conn = PgConnection::connect(&self.superuser_url().unwrap()).await.unwrap();
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut conn).await.unwrap();
                conn.close().await.ok();
                n
            }
        }
    }

    /// Runs a statement past every role and policy (SQLite: on the file; PostgreSQL: as the
    /// superuser) — for tests that damage the database on purpose.
    pub async fn execute_as_admin(&self, sql: &str) {
        match self.backend {
            Backend::Sqlite => {
                let path = self.url.trim_start_matches("sqlite://");
                let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
                let mut conn = sqlx::SqliteConnection::connect_with(&options).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut conn).await.unwrap();
                conn.close().await.ok();
            }
            Backend::Postgres => {
                let mut conn = PgConnection::connect(&self.superuser_url().unwrap()).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut conn).await.unwrap();
                conn.close().await.ok();
            }
        }
    }

    /// Opens the store as `serve` would (PostgreSQL: as the application role).
    pub async fn open(&self) -> Arc<dyn Store> {
        app::open_serving_store(&self.url, PoolSettings::default())
            .await
            .unwrap_or_else(|e| panic!("opening the test database: {e}"))
    }
}
