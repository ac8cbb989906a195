//! The append-only, hash-chained audit trail (API.md, Audit): building events, the chain
//! rule, verification, personal data sealed per subject, and exports.

pub mod chain;
pub mod export;
pub mod pii;

pub use chain::{Actor, AuditDraft, ChainError, GENESIS};
