//! Everything one account keeps on this device for one server, laid out so that all of it
//! can be found again and wiped: signing out, or the platform ending the session, must leave
//! nothing of any venue the account ever opened here (a front-desk PC is shared).
//!
//! - Files: every cache of the account lives in one folder, `caches/acct-<hash>/` (a hash,
//!   so the data directory does not show who uses it). Wiping removes the folder, whatever
//!   is in it — no list of venues is needed to find the files.
//! - Keychain: a keychain cannot be searched portably, so the account keeps a registry item
//!   (`cache-venues:<server>:<email>`) listing the venues it made cache keys for. A venue is
//!   registered before its key is made, so no key exists that the registry does not name.
//!   Wiping deletes every listed key (and any the caller knows of), the refresh token, a
//!   pending rotation, and the registry itself.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::CacheId;
use crate::error::CoreError;
use crate::keychain::{Keychain, cache_key_account, cache_registry_account, refresh_account, rotation_account};

/// The folder of every cache file of one account on one server, under `caches_dir`.
pub fn account_dir(caches_dir: &Path, server: &str, email: &str) -> PathBuf {
    let digest = Sha256::digest(format!("{server}\n{email}").as_bytes());
    caches_dir.join(format!("acct-{}", &hex::encode(digest)[..32]))
}

/// The venues whose cache keys the account registered on this device.
pub fn registered_venues(keychain: &dyn Keychain, server: &str, email: &str) -> Result<Vec<Uuid>, CoreError> {
    Ok(keychain
        .get(&cache_registry_account(server, email))?
        .map(|s| s.expose_secret().split_whitespace().filter_map(|v| v.parse().ok()).collect())
        .unwrap_or_default())
}

/// Adds the venue of `id` to the account's registry (under a file lock in `account_dir`, so
/// two consoles opening venues at once do not drop each other's entry).
pub(crate) fn register(account_dir: &Path, id: &CacheId, keychain: &dyn Keychain) -> Result<(), CoreError> {
    if registered_venues(keychain, &id.server, &id.email)?.contains(&id.venue_id) {
        return Ok(());
    }
    let lock = File::create(account_dir.join(".registry.lock"))
        .map_err(|e| CoreError::Cache(format!("locking the cache registry: {e}")))?;
    lock.lock().map_err(|e| CoreError::Cache(format!("locking the cache registry: {e}")))?;
    let mut venues: BTreeSet<Uuid> = registered_venues(keychain, &id.server, &id.email)?.into_iter().collect();
    if venues.insert(id.venue_id) {
        let list = venues.iter().map(Uuid::to_string).collect::<Vec<_>>().join(" ");
        keychain.set(&cache_registry_account(&id.server, &id.email), &SecretString::from(list))?;
    }
    Ok(())
}

/// Removes the venue of `id` from the account's registry (its cache and key are gone); the
/// registry, its lock and the account's folder go with the last venue.
pub(crate) fn unregister(account_dir: &Path, id: &CacheId, keychain: &dyn Keychain) -> Result<(), CoreError> {
    let registry = cache_registry_account(&id.server, &id.email);
    let lock_path = account_dir.join(".registry.lock");
    let lock = match File::create(&lock_path) {
        Ok(f) => f,
        Err(_) => return Ok(()), // no folder: nothing was registered through it
    };
    lock.lock().map_err(|e| CoreError::Cache(format!("locking the cache registry: {e}")))?;
    let mut venues: BTreeSet<Uuid> = registered_venues(keychain, &id.server, &id.email)?.into_iter().collect();
    venues.remove(&id.venue_id);
    if venues.is_empty() {
        keychain.delete(&registry)?;
        drop(lock);
        let _ = std::fs::remove_file(&lock_path);
        let _ = std::fs::remove_dir(account_dir);
    } else {
        let list = venues.iter().map(Uuid::to_string).collect::<Vec<_>>().join(" ");
        keychain.set(&registry, &SecretString::from(list))?;
    }
    Ok(())
}

/// Removes a cache file with its WAL and shared-memory files.
pub(crate) fn remove_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Deletes everything the account `email` on `server` keeps on this device: every cache
/// file under `caches_dir` (when given), every cache key the registry or `also_venues`
/// names, the refresh token, a pending rotation and the registry. Every item is tried even
/// when one fails; the first failure is returned.
pub fn wipe_account(
    caches_dir: Option<&Path>,
    keychain: &dyn Keychain,
    server: &str,
    email: &str,
    also_venues: &[Uuid],
) -> Result<(), CoreError> {
    let mut first_error = None;
    let mut note = |r: Result<(), CoreError>| {
        if let Err(e) = r {
            tracing::warn!(error = %e, "wiping an account's local data");
            first_error.get_or_insert(e);
        }
    };
    let mut venues: BTreeSet<Uuid> = also_venues.iter().copied().collect();
    match registered_venues(keychain, server, email) {
        Ok(registered) => venues.extend(registered),
        Err(e) => note(Err(e)),
    }
    if let Some(dir) = caches_dir {
        let folder = account_dir(dir, server, email);
        match std::fs::remove_dir_all(&folder) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => note(Err(CoreError::Cache(format!("removing {}: {e}", folder.display())))),
        }
        // Caches made before the per-account folder sat directly in `caches_dir`.
        for &venue_id in &venues {
            let id = CacheId { server: server.to_string(), email: email.to_string(), venue_id };
            remove_files(&dir.join(id.file_name()));
        }
    }
    let mut keys_gone = true;
    for venue_id in venues {
        let deleted = keychain.delete(&cache_key_account(server, email, venue_id));
        keys_gone &= deleted.is_ok();
        note(deleted);
    }
    for account in [refresh_account(server, email), rotation_account(server, email)] {
        note(keychain.delete(&account));
    }
    // The registry goes last, and only when every key it names is gone: a wipe that failed
    // half-way can be run again and still find them.
    if keys_gone {
        note(keychain.delete(&cache_registry_account(server, email)));
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
