//! Operations an operator runs from the command line (API.md "Operations (v1.1)"): each is a
//! library function here, so whole-system tests call the same code the binary runs.

pub mod incident;
pub mod retention;
