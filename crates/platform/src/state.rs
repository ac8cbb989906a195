//! What every handler shares.

use std::sync::Arc;

use ipnet::IpNet;

use crate::auth::password::PasswordHasher;
use crate::auth::tokens::TokenService;
use crate::clock::Clock;
use crate::crypto::KeyRing;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct Settings {
    pub auth_requests_per_ip_minute: u32,
    pub trusted_proxies: Vec<IpNet>,
    /// Served over TLS: adds `Strict-Transport-Security`.
    pub tls: bool,
    pub request_timeout_secs: u64,
    pub security_contact: String,
    pub security_policy: String,
    /// Webhooks may target loopback, private and link-local addresses, over `http://`
    /// too (`serve --webhooks-allow-private`: tests and local use only).
    pub webhooks_allow_private: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            auth_requests_per_ip_minute: 20,
            trusted_proxies: Vec::new(),
            tls: false,
            request_timeout_secs: 30,
            security_contact: "mailto:security@venuedesk.invalid".into(),
            security_policy: "https://venuedesk.invalid/security-policy".into(),
            webhooks_allow_private: false,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub keys: Arc<KeyRing>,
    pub tokens: Arc<TokenService>,
    pub passwords: PasswordHasher,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub metrics: Arc<crate::metrics::Metrics>,
}
