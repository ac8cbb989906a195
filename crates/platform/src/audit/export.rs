//! Export formats. JSON Lines: each row is the event exactly as hashed plus `hash`, so the
//! file verifies on its own. CSV: for people, one row per event, personal data shown while
//! its key exists, and every cell safe to open in a spreadsheet.

/// A CSV cell that a spreadsheet will not run as a formula: cells starting with `=`, `+`,
/// `-`, `@`, tab or carriage return get a leading `'`.
pub fn csv_cell(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

pub const CSV_HEADER: &[&str] = &[
    "seq",
    "at",
    "actor_type",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    "request_id",
    "ip",
    "details",
    "hash",
];

/// The JSON Lines row: the stored canonical event with `hash` appended.
pub fn jsonl_line(canonical: &str, hash: &str) -> String {
    let body = canonical.strip_suffix('}').unwrap_or(canonical);
    let sep = if body.ends_with('{') { "" } else { "," };
    format!("{body}{sep}\"hash\":\"{hash}\"}}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused() {
        for bad in ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_cell(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(csv_cell("Ada"), "Ada");
        assert_eq!(csv_cell(""), "");
    }

    #[test]
    fn jsonl_rows_add_the_hash() {
        let line = jsonl_line(r#"{"a":1}"#, "ff");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["hash"], "ff");
        assert_eq!(v["a"], 1);
    }
}
