//! Encryption at rest: a master key from a file wraps data keys (envelope encryption);
//! data keys seal secrets with AES-256-GCM bound to where they are stored (AAD).

pub mod envelope;
pub mod key_ring;
pub mod master_key;

pub use envelope::{DataKey, SealError};
pub use key_ring::KeyRing;
pub use master_key::MasterKey;

use sha2::{Digest, Sha256};

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// 32 bytes from the OS CSPRNG.
pub fn random_32() -> [u8; 32] {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}
