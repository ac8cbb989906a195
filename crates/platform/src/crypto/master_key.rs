//! The master key: 32 raw bytes in a file only the platform's user may read.

use std::io::Write;
use std::path::Path;

use super::envelope::{DataKey, SealError};

#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("reading master key {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("master key {path} must be exactly 32 bytes, found {len}")]
    Length { path: String, len: usize },
}

/// The key, and the file it came from (a running node re-reads it after `keys rotate-master`).
pub struct MasterKey {
    key: DataKey,
    path: Option<std::path::PathBuf>,
}

impl MasterKey {
    /// Loads an existing key; never creates one (operations commands: a missing file is
    /// a mistake, not a fresh start).
    pub fn load(path: &Path) -> Result<MasterKey, MasterKeyError> {
        let io = |source| MasterKeyError::Io { path: path.display().to_string(), source };
        let bytes = std::fs::read(path).map_err(io)?;
        let arr: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| MasterKeyError::Length { path: path.display().to_string(), len: bytes.len() })?;
        Ok(MasterKey { key: DataKey::from_bytes(arr), path: Some(path.to_path_buf()) })
    }

    /// The same file read again: `None` when it is unreadable or holds the same key.
    pub fn reread(&self) -> Option<MasterKey> {
        let fresh = MasterKey::load(self.path.as_deref()?).ok()?;
        (fresh.key.expose() != self.key.expose()).then_some(fresh)
    }

    /// A short, non-secret name of the key (SHA-256 of it, 8 hex digits), for messages.
    pub fn fingerprint(&self) -> String {
        hex::encode(&super::sha256(self.key.expose())[..4])
    }

    /// Loads the key, or creates it (mode 0600) when the file does not exist.
    /// Returns whether a new key was generated, so the caller can warn.
    pub fn load_or_create(path: &Path) -> Result<(MasterKey, bool), MasterKeyError> {
        let io = |source| MasterKeyError::Io { path: path.display().to_string(), source };
        match std::fs::read(path) {
            Ok(_) => Ok((MasterKey::load(path)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(parent) = path.parent()
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                let key = DataKey::generate();
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                let mut file = opts.open(path).map_err(io)?;
                file.write_all(key.expose()).map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok((MasterKey { key, path: Some(path.to_path_buf()) }, true))
            }
            Err(e) => Err(io(e)),
        }
    }

    pub fn wrap(&self, scope: &str, key: &DataKey) -> Result<Vec<u8>, SealError> {
        self.key.seal(format!("data-key:{scope}").as_bytes(), key.expose())
    }

    pub fn unwrap_key(&self, scope: &str, wrapped: &[u8]) -> Result<DataKey, SealError> {
        let raw = self.key.open(format!("data-key:{scope}").as_bytes(), wrapped)?;
        let arr: [u8; 32] = raw.as_slice().try_into().map_err(|_| SealError::Open)?;
        Ok(DataKey::from_bytes(arr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_0600_then_loads_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/master.key");
        let (k1, created) = MasterKey::load_or_create(&path).unwrap();
        assert!(created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let (k2, created) = MasterKey::load_or_create(&path).unwrap();
        assert!(!created);
        let dk = DataKey::generate();
        let wrapped = k1.wrap("platform", &dk).unwrap();
        assert_eq!(k2.unwrap_key("platform", &wrapped).unwrap().expose(), dk.expose());
        assert!(k2.unwrap_key("venue:1", &wrapped).is_err());
    }

    #[test]
    fn wrong_length_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        std::fs::write(&path, b"too short").unwrap();
        let err = MasterKey::load_or_create(&path).err().unwrap();
        assert!(err.to_string().contains("exactly 32 bytes"), "{err}");
    }
}
