//! The error for a string that names none of a closed set (a status, an action).

/// `value` is not one of the names of `kind`; `expected` lists them, comma-separated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {kind}; expected one of {expected}")]
pub struct UnknownName {
    pub kind: &'static str,
    pub value: String,
    pub expected: String,
}

impl UnknownName {
    pub fn new(kind: &'static str, value: &str, expected: String) -> Self {
        UnknownName { kind, value: value.to_owned(), expected }
    }
}
