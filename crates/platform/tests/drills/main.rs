//! Operations drills on real clusters the scripts start: point-in-time recovery with
//! pgBackRest (`scripts/pitr-cluster.sh`) and failover under Patroni behind HAProxy
//! (`scripts/ha-cluster.sh`). Each takes tens of seconds and its own PostgreSQL, so they
//! are ignored in the ordinary runs; `scripts/test.sh` runs them as a stage of their own.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;
mod failover;
mod pitr;
