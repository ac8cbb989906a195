//! Text for people, JSON for scripts.

use serde::Serialize;

pub fn emit<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) {
    if json {
        println!("{}", serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into()));
    } else {
        println!("{}", text());
    }
}
