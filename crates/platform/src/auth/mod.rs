//! Identity: passwords, tokens, TOTP, recovery codes, brute-force limits and the request's
//! authenticated context.

pub mod brute_force;
pub mod context;
pub mod password;
pub mod password_policy;
pub mod recovery_codes;
pub mod refresh_rotation;
pub mod tokens;
pub mod totp;

/// Emails are trimmed and lower-cased; only ASCII addresses are accepted, so homoglyphs,
/// zero-width and bidi characters cannot make two accounts look alike. `None` when invalid.
pub fn normalize_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_ascii_lowercase();
    if email.len() > 254 || !email.is_ascii() || email.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return None;
    }
    let (local, domain) = email.rsplit_once('@')?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
        return None;
    }
    Some(email)
}

#[cfg(test)]
mod tests {
    use super::normalize_email;

    #[test]
    fn emails_are_trimmed_lowercased_and_ascii_only() {
        assert_eq!(normalize_email("  Ada@Example.COM ").as_deref(), Some("ada@example.com"));
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "ada@@example.com",
            "a da@example.com",
            "ada@exa mple.com",
            "ada@.example.com",
            "ada@example..com",
            "ad\u{200b}a@example.com", // zero-width space
            "ada@ex\u{0430}mple.com",  // Cyrillic a
            "\u{202e}ada@example.com", // bidi override
            "ada\u{0000}@example.com",
            "\u{212a}ate@example.com", // Kelvin sign lower-cases to k
        ] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
    }
}
