//! AES-256-GCM sealing. A sealed value is `nonce (12 bytes) || ciphertext+tag`; the AAD
//! names the place the value belongs to, so a ciphertext copied to another row fails to open.

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce};
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("sealed value is malformed or was tampered with")]
    Open,
    #[error("encryption failed")]
    Seal,
}

/// A 256-bit AES-GCM key. Not `Debug`, zeroed on drop.
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DataKey(Zeroizing::new(bytes))
    }

    pub fn generate() -> Self {
        DataKey::from_bytes(super::random_32())
    }

    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(self.0.as_slice().into())
    }

    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ct = self.cipher().encrypt(&nonce, Payload { msg: plaintext, aad }).map_err(|_| SealError::Seal)?;
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        if sealed.len() < 12 + 16 {
            return Err(SealError::Open);
        }
        let (nonce, ct) = sealed.split_at(12);
        self.cipher()
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
            .map(Zeroizing::new)
            .map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_aad_binding() {
        let key = DataKey::generate();
        let sealed = key.seal(b"users:1:totp", b"JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(key.open(b"users:1:totp", &sealed).unwrap().as_slice(), b"JBSWY3DPEHPK3PXP");
        assert!(key.open(b"users:2:totp", &sealed).is_err(), "AAD must bind the value to its row");
        assert!(DataKey::generate().open(b"users:1:totp", &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered[20] ^= 1;
        assert!(key.open(b"users:1:totp", &tampered).is_err());
        assert!(key.open(b"x", b"short").is_err());
    }

    #[test]
    fn nonces_differ() {
        let key = DataKey::generate();
        assert_ne!(key.seal(b"", b"same").unwrap(), key.seal(b"", b"same").unwrap());
    }
}
