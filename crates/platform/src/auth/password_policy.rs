//! Password policy (API.md, signup): 12–128 characters, upper, lower, digit and symbol,
//! zxcvbn score ≥ 3, and not in the bundled common-password list (Django's 20k list,
//! BSD-3-Clause, see data/common-passwords.LICENSE).

use std::collections::HashSet;
use std::sync::LazyLock;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt").lines().map(str::trim).filter(|l| !l.is_empty()).collect()
});

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// How many passwords the bundled list holds.
pub fn common_list_len() -> usize {
    COMMON.len()
}

/// Empty when the password is acceptable, else every reason it is not.
/// `user_inputs` (email, display name) count against the password's strength.
pub fn check(password: &str, user_inputs: &[&str]) -> Vec<String> {
    let mut reasons = Vec::new();
    let len = password.chars().count();
    if len < MIN_LEN {
        reasons.push(format!("must be at least {MIN_LEN} characters"));
    }
    if len > MAX_LEN {
        // zxcvbn is slow on huge inputs; nothing more to say about them.
        reasons.push(format!("must be at most {MAX_LEN} characters"));
        return reasons;
    }
    if !password.chars().any(char::is_uppercase) {
        reasons.push("must contain an upper-case letter".into());
    }
    if !password.chars().any(char::is_lowercase) {
        reasons.push("must contain a lower-case letter".into());
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        reasons.push("must contain a digit".into());
    }
    if !password.chars().any(|c| !c.is_alphanumeric() && !c.is_whitespace()) {
        reasons.push("must contain a symbol".into());
    }
    if COMMON.contains(password.to_lowercase().as_str()) {
        reasons.push("is in a list of commonly used passwords".into());
    }
    if len > 0 {
        // zxcvbn's cost grows fast with length; the first 64 characters decide its score.
        let head: String = password.chars().take(64).collect();
        let score: u8 = zxcvbn::zxcvbn(&head, user_inputs).score().into();
        if score < 3 {
            reasons.push(format!("is too easy to guess (strength {score} of 4, needs 3)"));
        }
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_list_is_large_enough() {
        assert!(common_list_len() >= 10_000, "{}", common_list_len());
        assert!(COMMON.contains("password"));
    }

    #[test]
    fn accepts_a_strong_password() {
        assert_eq!(check("Tangerine-Harbour-42!", &["ada@example.com"]), Vec::<String>::new());
    }

    #[test]
    fn names_every_missing_class() {
        let r = check("short", &[]);
        assert!(r.iter().any(|m| m.contains("at least 12")));
        assert!(r.iter().any(|m| m.contains("upper-case")));
        assert!(r.iter().any(|m| m.contains("digit")));
        assert!(r.iter().any(|m| m.contains("symbol")));
        let r = check("ALLUPPERCASE-123", &[]);
        assert!(r.iter().any(|m| m.contains("lower-case")));
    }

    #[test]
    fn rejects_common_and_guessable_and_too_long() {
        // Meets every class rule but is predictable.
        let r = check("Password123!", &[]);
        assert!(!r.is_empty());
        let r = check("Ada@example.com1", &["ada@example.com"]);
        assert!(r.iter().any(|m| m.contains("too easy")), "{r:?}");
        let r = check(&format!("Aa1!{}", "x".repeat(130)), &[]);
        assert_eq!(r, vec!["must be at most 128 characters".to_string()]);
    }
}
