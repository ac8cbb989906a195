//! Whole-system tests: a real platform on a random loopback port, driven over HTTP.

mod common;

mod bad_input;
mod brute_force;
mod headers;
mod idempotency;
mod identity;
mod jwt;
mod logs;
mod mfa;
mod refresh;
mod tls;
