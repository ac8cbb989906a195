//! Ten single-use recovery codes, shown once, stored as SHA-256 (each carries 60 random
//! bits, so a fast hash is enough).

use rand::Rng;

use crate::crypto::sha256;

pub const COUNT: usize = 10;
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789"; // no 0/o, 1/l/i

/// `xxxxx-xxxxx-xxxx`-style codes and their hashes.
pub fn generate() -> (Vec<String>, Vec<[u8; 32]>) {
    let mut rng = rand::rngs::OsRng;
    let codes: Vec<String> = (0..COUNT)
        .map(|_| {
            let raw: String = (0..12).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
            format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12])
        })
        .collect();
    let hashes = codes.iter().map(|c| hash(c)).collect();
    (codes, hashes)
}

/// Hash of a code as typed: case, spaces and dashes do not matter.
pub fn hash(code: &str) -> [u8; 32] {
    let canonical: String =
        code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    sha256(canonical.as_bytes())
}

/// Whether input looks like a recovery code rather than a 6-digit TOTP code.
pub fn looks_like_recovery_code(code: &str) -> bool {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 12
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_distinct_codes_hash_tolerantly() {
        let (codes, hashes) = generate();
        assert_eq!(codes.len(), 10);
        let unique: std::collections::HashSet<_> = hashes.iter().collect();
        assert_eq!(unique.len(), 10);
        assert_eq!(hash(&codes[0].to_uppercase().replace('-', " ")), hashes[0]);
        assert!(looks_like_recovery_code(&codes[0]));
        assert!(!looks_like_recovery_code("123456"));
    }
}
