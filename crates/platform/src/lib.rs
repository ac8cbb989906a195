//! The Venuedesk platform: an axum API server over one database (SQLite today).
//! `app` assembles the pieces; `http` holds the cross-cutting middleware; `routes` the
//! endpoints; `store` the storage seam; `auth`, `crypto` and `idempotency` the promises.

pub mod alerts;
pub mod app;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod routes;
pub mod state;
pub mod store;
pub mod tls;
pub mod webhooks;
