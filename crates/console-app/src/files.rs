//! Files a person saves (recovery codes, a customer's data, an audit export). The webview
//! never names a path: the desktop shell opens the native save dialog itself, proposing
//! the [`SaveAs`] an operation gives, and hands the path the person chose to that
//! operation. A cancelled dialog is an answer ([`Saved::Cancelled`]), not an error.

use serde::Serialize;
use ts_rs::TS;

/// The title of every save dialog (the end-to-end test finds the dialog by it).
pub const DIALOG_TITLE: &str = "Save as";

/// What the save dialog proposes: a bare file name (never a directory) and one filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveAs {
    pub file_name: String,
    pub filter_name: &'static str,
    pub extension: &'static str,
}

impl SaveAs {
    /// `stem.extension`, the stem reduced to lower-case letters, digits and single dashes,
    /// so nothing typed into a filter or a name can make it a path.
    pub fn new(stem: &str, filter_name: &'static str, extension: &'static str) -> SaveAs {
        let mut clean = String::new();
        for c in stem.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                clean.push(c);
            } else if !clean.is_empty() && !clean.ends_with('-') {
                clean.push('-');
            }
        }
        let clean = clean.trim_end_matches('-');
        let stem = if clean.is_empty() { "venuedesk" } else { clean };
        SaveAs { file_name: format!("{stem}.{extension}"), filter_name, extension }
    }
}

/// How a save through the dialog ended: written (`value` says what it came to), or the
/// person cancelled the dialog and nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[ts(export)]
pub enum Saved<T> {
    Saved(T),
    Cancelled,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proposed_name_is_never_a_path() {
        for (stem, name) in [
            ("customer-Zoë O'Brien", "customer-zo-o-brien.json"),
            ("audit-../../.bashrc-now", "audit-bashrc-now.json"),
            ("/etc/xdg/autostart/evil", "etc-xdg-autostart-evil.json"),
            ("..", "venuedesk.json"),
            ("", "venuedesk.json"),
        ] {
            let s = SaveAs::new(stem, "JSON", "json");
            assert_eq!(s.file_name, name, "{stem}");
            assert!(!s.file_name.contains('/') && !s.file_name.contains('\\') && !s.file_name.starts_with('.'));
        }
    }

    #[test]
    fn saved_and_cancelled_on_the_wire() {
        assert_eq!(
            serde_json::to_value(Saved::Saved("/home/a/x.txt".to_string())).unwrap(),
            serde_json::json!({"kind": "saved", "value": "/home/a/x.txt"})
        );
        assert_eq!(serde_json::to_value(Saved::<String>::Cancelled).unwrap(), serde_json::json!({"kind": "cancelled"}));
    }
}
