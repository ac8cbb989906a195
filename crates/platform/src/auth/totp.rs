//! TOTP (RFC 6238): SHA-1, 6 digits, 30-second steps, one step of drift either way. The
//! caller records the matched step so a code is accepted at most once.

use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

pub const STEP_SECONDS: u64 = 30;
pub const DIGITS: usize = 6;
pub const ISSUER: &str = "Venuedesk";

#[derive(Debug, thiserror::Error)]
#[error("TOTP secret unusable")]
pub struct TotpError;

fn totp(secret: &[u8], digits: usize) -> Result<TOTP, TotpError> {
    TOTP::new(Algorithm::SHA1, digits, 1, STEP_SECONDS, secret.to_vec()).map_err(|_| TotpError)
}

/// A new 160-bit secret (RFC 4226 recommends 160 bits for SHA-1).
pub fn generate_secret() -> Vec<u8> {
    crate::crypto::random_32()[..20].to_vec()
}

pub fn base32(secret: &[u8]) -> String {
    match Secret::Raw(secret.to_vec()).to_encoded() {
        Secret::Encoded(s) => s.trim_end_matches('=').to_string(),
        Secret::Raw(_) => String::new(),
    }
}

/// `otpauth://totp/Venuedesk:<email>?secret=…&issuer=Venuedesk&algorithm=SHA1&digits=6&period=30`
pub fn otpauth_uri(secret: &[u8], email: &str) -> String {
    // Emails are ASCII-validated; only characters that are special in a URI get encoded.
    let label: String = email
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '.' | '_' | '~' | '@' => c.to_string(),
            other => format!("%{:02X}", other as u32),
        })
        .collect();
    format!(
        "otpauth://totp/{ISSUER}:{label}?secret={}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        base32(secret)
    )
}

/// The code for a Unix time, with `digits` digits.
pub fn code_at(secret: &[u8], unix: u64, digits: usize) -> Result<String, TotpError> {
    Ok(totp(secret, digits)?.generate(unix))
}

/// The step (`unix / 30`) whose code matches, trying the current step and one either side.
pub fn matching_step(secret: &[u8], code: &str, unix: u64) -> Result<Option<i64>, TotpError> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(secret, DIGITS)?;
    let step = unix / STEP_SECONDS;
    let mut found = None;
    // Check every candidate (no early exit) so timing does not tell which step matched.
    for s in [step.saturating_sub(1), step, step + 1] {
        let candidate = t.generate(s * STEP_SECONDS);
        if bool::from(candidate.as_bytes().ct_eq(code.as_bytes())) && found.is_none() {
            found = Some(s as i64);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows: the seed is ASCII "12345678901234567890".
    const RFC_SECRET: &[u8] = b"12345678901234567890";
    const RFC_VECTORS: &[(u64, &str)] = &[
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        for (t, expected) in RFC_VECTORS {
            assert_eq!(&code_at(RFC_SECRET, *t, 8).unwrap(), expected, "t={t}");
            // Six digits are the same HOTP value modulo 10^6: the last six digits.
            assert_eq!(code_at(RFC_SECRET, *t, 6).unwrap(), expected[2..], "t={t}");
        }
    }

    #[test]
    fn accepts_one_step_of_drift_and_reports_the_step() {
        let t = 1_234_567_890u64;
        let step = (t / 30) as i64;
        for (offset, expected_step) in [(-30i64, step - 1), (0, step), (30, step + 1)] {
            let code = code_at(RFC_SECRET, (t as i64 + offset) as u64, 6).unwrap();
            assert_eq!(matching_step(RFC_SECRET, &code, t).unwrap(), Some(expected_step));
        }
        let far = code_at(RFC_SECRET, t + 90, 6).unwrap();
        assert_eq!(matching_step(RFC_SECRET, &far, t).unwrap(), None);
        assert_eq!(matching_step(RFC_SECRET, "12345", t).unwrap(), None);
        assert_eq!(matching_step(RFC_SECRET, "abcdef", t).unwrap(), None);
    }

    #[test]
    fn otpauth_uri_has_the_documented_shape() {
        let uri = otpauth_uri(RFC_SECRET, "ada+ops@example.com");
        assert_eq!(
            uri,
            "otpauth://totp/Venuedesk:ada%2Bops@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Venuedesk&algorithm=SHA1&digits=6&period=30"
        );
    }
}
