//! Where a webhook may be sent (SSRF defence): `https://` only, and every address the host
//! resolves to must be public — no loopback, private, link-local, shared, multicast or
//! otherwise special range. Checked when an endpoint is saved and again before every
//! delivery, after DNS resolution; the request then goes to the checked addresses only
//! (no second lookup a rebinding DNS server could answer differently) and follows no
//! redirects. `serve --webhooks-allow-private` lifts the address rule (and allows
//! `http://`) for tests and local use.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("must be an absolute https:// URL")]
    Scheme,
    #[error("must not carry a user name or password")]
    Credentials,
    #[error("the host does not resolve")]
    Unresolvable,
    #[error("resolves to a loopback, private or link-local address ({0})")]
    NotPublic(IpAddr),
}

/// A checked target: the URL and the addresses it may be reached at.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: Url,
    pub host: String,
    pub addrs: Vec<SocketAddr>,
}

fn v4_public(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xC0) == 64) // shared address space 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xFE) == 18) // benchmarking 198.18/15
        || o[0] >= 240)
}

fn v6_public(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_public(v4);
    }
    let s = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xFE00) == 0xFC00 // unique local fc00::/7
        || (s[0] & 0xFFC0) == 0xFE80 // link-local fe80::/10
        || (s[0] & 0xFFC0) == 0xFEC0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64 of any IPv4 address
        || (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0 && s[5] == 0)) // IPv4-compatible
}

pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_public(v4),
        IpAddr::V6(v6) => v6_public(v6),
    }
}

/// The URL's own rules, without resolving it.
pub fn parse(url: &str, allow_private: bool) -> Result<Url, TargetError> {
    let u = Url::parse(url).map_err(|_| TargetError::Scheme)?;
    let scheme_ok = u.scheme() == "https" || (allow_private && u.scheme() == "http");
    if !scheme_ok || u.host_str().is_none_or(str::is_empty) {
        return Err(TargetError::Scheme);
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(TargetError::Credentials);
    }
    Ok(u)
}

/// Parses, resolves and checks a target.
pub async fn resolve(url: &str, allow_private: bool) -> Result<Target, TargetError> {
    let u = parse(url, allow_private)?;
    let host = u.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_string();
    let port = u.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => {
            tokio::net::lookup_host((host.as_str(), port)).await.map_err(|_| TargetError::Unresolvable)?.collect()
        }
    };
    if addrs.is_empty() {
        return Err(TargetError::Unresolvable);
    }
    if !allow_private && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
        return Err(TargetError::NotPublic(bad.ip()));
    }
    Ok(Target { url: u, host, addrs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_ranges_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "64:ff9b::7f00:1",
            "::127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn only_https_without_credentials() {
        assert_eq!(parse("http://example.com/h", false).unwrap_err(), TargetError::Scheme);
        assert_eq!(parse("ftp://example.com/h", false).unwrap_err(), TargetError::Scheme);
        assert_eq!(parse("https://u:p@example.com/h", false).unwrap_err(), TargetError::Credentials);
        assert!(parse("https://example.com/h", false).is_ok());
        assert!(parse("http://127.0.0.1:9/h", true).is_ok());
    }

    #[tokio::test]
    async fn loopback_is_refused_after_resolution() {
        assert!(matches!(resolve("https://127.0.0.1/x", false).await, Err(TargetError::NotPublic(_))));
        assert!(matches!(resolve("https://localhost/x", false).await, Err(TargetError::NotPublic(_))));
        assert!(matches!(resolve("https://[::1]/x", false).await, Err(TargetError::NotPublic(_))));
        assert!(resolve("http://127.0.0.1:9/x", true).await.is_ok());
    }
}
