//! Whole-system tests: a real platform on a random loopback port, driven over HTTP.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod alerts;
mod api_clients;
mod audit_trail;
mod backup;
mod bad_input;
mod brute_force;
mod cross_tenant;
mod demo;
mod floor;
mod floor_property;
mod gdpr;
mod hardening;
mod headers;
mod idempotency;
mod identity;
mod incident;
mod jwt;
mod key_rotation;
mod logs;
mod metrics;
mod mfa;
mod payments;
mod permission_matrix;
mod postgres;
mod public_keys;
mod refresh;
mod retention;
mod tls;
mod venue_bad_input;
mod venue_fixture;
mod venue_flows;
mod webhooks;
