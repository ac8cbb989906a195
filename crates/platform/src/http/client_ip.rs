//! The client IP: the peer address, unless the peer is a trusted proxy, in which case the
//! right-most `X-Forwarded-For` entry that is not itself a trusted proxy.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use crate::state::AppState;

#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The text form used in rate-limit keys, sessions and security events.
    pub fn label(&self) -> String {
        self.0.map(|ip| ip.to_string()).unwrap_or_else(|| "unknown".into())
    }

    /// The rate-limit bucket: an IPv4 address, or the /64 of an IPv6 address (one subscriber
    /// usually holds a whole /64).
    pub fn rate_limit_key(&self) -> String {
        match self.0 {
            Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
            _ => self.label(),
        }
    }
}

pub fn resolve_ip(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let Some(xff) = forwarded_for else { return Some(peer) };
    let mut client = peer;
    for hop in xff.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            // A hop we cannot parse ends the trusted chain; use what we have.
            Err(_) => break,
        }
    }
    Some(client)
}

pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    // Every X-Forwarded-For line, in order: a proxy may add its own line rather than append.
    let lines: Vec<&str> = req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    let xff = (!lines.is_empty()).then(|| lines.join(","));
    let ip = resolve_ip(peer, xff.as_deref(), &state.settings.trusted_proxies);
    req.extensions_mut().insert(ClientIp(ip));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peer_ignores_forwarded_for() {
        assert_eq!(resolve_ip(Some(ip("203.0.113.9")), Some("1.2.3.4"), &[]), Some(ip("203.0.113.9")));
    }

    #[test]
    fn trusted_proxy_chain_is_walked_from_the_right() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(resolve_ip(Some(ip("10.0.0.1")), Some("198.51.100.7"), &trusted), Some(ip("198.51.100.7")));
        // A client-supplied left-most value cannot spoof past the first untrusted hop.
        assert_eq!(
            resolve_ip(Some(ip("10.0.0.1")), Some("6.6.6.6, 198.51.100.7, 10.0.0.2"), &trusted),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(resolve_ip(Some(ip("10.0.0.1")), None, &trusted), Some(ip("10.0.0.1")));
        assert_eq!(resolve_ip(Some(ip("10.0.0.1")), Some("garbage"), &trusted), Some(ip("10.0.0.1")));
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64() {
        let a = ClientIp(Some(ip("2001:db8:1:2:aaaa::1")));
        let b = ClientIp(Some(ip("2001:db8:1:2:bbbb::2")));
        assert_eq!(a.rate_limit_key(), b.rate_limit_key());
        assert_eq!(a.rate_limit_key(), "2001:db8:1:2::/64");
        assert_eq!(ClientIp(Some(ip("::ffff:192.0.2.1"))).rate_limit_key(), "192.0.2.1");
        assert_eq!(ClientIp(Some(ip("192.0.2.1"))).rate_limit_key(), "192.0.2.1");
    }
}
