//! rustls server configuration: TLS 1.3 only unless 1.2 is explicitly allowed.

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TlsMin {
    #[value(name = "1.2")]
    Tls12,
    #[value(name = "1.3")]
    Tls13,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("reading {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0} holds no certificate")]
    NoCert(String),
    #[error("{0} holds no private key")]
    NoKey(String),
    #[error("TLS configuration rejected: {0}")]
    Rustls(#[from] rustls::Error),
}

pub fn server_config(cert: &Path, key: &Path, min: TlsMin) -> Result<Arc<ServerConfig>, TlsError> {
    let read = |p: &Path| std::fs::read(p).map_err(|source| TlsError::Io { path: p.display().to_string(), source });
    let cert_pem = read(cert)?;
    let key_pem = read(key)?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|source| TlsError::Io { path: cert.display().to_string(), source })?;
    if certs.is_empty() {
        return Err(TlsError::NoCert(cert.display().to_string()));
    }
    let key_der = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .map_err(|source| TlsError::Io { path: key.display().to_string(), source })?
        .ok_or_else(|| TlsError::NoKey(key.display().to_string()))?;
    let versions: &[&'static rustls::SupportedProtocolVersion] = match min {
        TlsMin::Tls13 => &[&rustls::version::TLS13],
        TlsMin::Tls12 => &[&rustls::version::TLS13, &rustls::version::TLS12],
    };
    let mut config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(versions)?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
