//! The HTTP client of the platform API: rustls, a request id on every request, and the
//! platform's problem `code` surfaced as a typed error.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use venuedesk_api::{Problem, ProblemCode};

use crate::error::CoreError;

#[derive(Clone)]
pub struct ApiClient {
    base: String,
    http: reqwest::Client,
}

/// One request to the platform.
pub struct Call<'a, B: Serialize> {
    pub method: Method,
    pub path: &'a str,
    pub bearer: Option<&'a str>,
    pub body: Option<&'a B>,
    pub idempotency_key: Option<&'a str>,
    pub if_match: Option<i64>,
}

impl<'a, B: Serialize> Call<'a, B> {
    pub fn new(method: Method, path: &'a str) -> Self {
        Call { method, path, bearer: None, body: None, idempotency_key: None, if_match: None }
    }
}

impl ApiClient {
    /// `base` is the platform's URL, e.g. `https://platform.example` (no trailing path).
    /// Plain `http://` is refused unless the platform is on this computer (see
    /// [`check_server_url`]): every client is built here, so no sign-in, refresh or resumed
    /// session can send a password or token in the clear.
    pub fn new(base: &str) -> Result<Self, CoreError> {
        let base = check_server_url(base)?;
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("venuedesk-console/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::Network(e.to_string()))?;
        Ok(ApiClient { base, http })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// A GET whose body the caller streams (exports). Problems are decoded as usual.
    pub async fn get_stream(&self, path: &str, bearer: &str) -> Result<reqwest::Response, CoreError> {
        let res = self
            .http
            .get(format!("{}{}", self.base, path))
            .bearer_auth(bearer)
            .header("X-Request-ID", uuid::Uuid::new_v4().to_string())
            .timeout(Duration::from_secs(3600))
            .send()
            .await
            .map_err(|e| CoreError::Network(e.without_url().to_string()))?;
        if res.status().is_success() {
            return Ok(res);
        }
        let status = res.status().as_u16();
        let bytes = res.bytes().await.map_err(|e| CoreError::Network(e.without_url().to_string()))?;
        Err(match serde_json::from_slice::<Problem>(&bytes) {
            Ok(p) => problem_error(status, p, None),
            Err(_) => CoreError::Decode(format!("the platform answered {status}")),
        })
    }

    /// Sends a call and decodes a JSON answer (`()` for an empty one).
    pub async fn send<B: Serialize, T: DeserializeOwned>(&self, call: Call<'_, B>) -> Result<T, CoreError> {
        let request_id = uuid::Uuid::new_v4().to_string();
        let mut rb =
            self.http.request(call.method, format!("{}{}", self.base, call.path)).header("X-Request-ID", &request_id);
        if let Some(t) = call.bearer {
            rb = rb.bearer_auth(t);
        }
        if let Some(k) = call.idempotency_key {
            rb = rb.header("Idempotency-Key", k);
        }
        if let Some(v) = call.if_match {
            rb = rb.header("If-Match", format!("\"{v}\""));
        }
        if let Some(b) = call.body {
            rb = rb.json(b);
        }
        let res = rb.send().await.map_err(|e| CoreError::Network(e.without_url().to_string()))?;
        let status = res.status();
        let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
        let bytes = res.bytes().await.map_err(|e| CoreError::Network(e.without_url().to_string()))?;
        if status.is_success() {
            let bytes: &[u8] = if status == StatusCode::NO_CONTENT || bytes.is_empty() { b"null" } else { &bytes };
            return serde_json::from_slice(bytes).map_err(|e| CoreError::Decode(e.to_string()));
        }
        Err(match serde_json::from_slice::<Problem>(&bytes) {
            Ok(p) => problem_error(status.as_u16(), p, retry_after),
            // A 500 carries only its request id; anything else is not the platform talking.
            Err(_) => CoreError::Problem {
                status: status.as_u16(),
                code: ProblemCode::Internal,
                detail: format!("the platform answered {status}"),
                request_id,
                retry_after,
            },
        })
    }
}

/// A problem document as the console's error: `403 mfa_required` is its own error (the
/// person must sign in again, nothing is wrong with the request).
fn problem_error(status: u16, p: Problem, retry_after: Option<u64>) -> CoreError {
    let detail = p.detail.unwrap_or(p.title);
    if p.code == ProblemCode::MfaRequired {
        return CoreError::MfaRequired { enrollment_required: p.enrollment_required.unwrap_or(false), detail };
    }
    CoreError::Problem { status, code: p.code, detail, request_id: p.request_id, retry_after }
}

/// The one rule for which platform addresses the console talks to; returns the address as
/// it is used and remembered (trimmed, without a trailing `/`).
///
/// `https://` is accepted for any host. Plain `http://` only for this computer — 127.0.0.0/8,
/// `::1` or `localhost` — where nothing crosses a network (the demo platform, tests). Any
/// other `http://` is refused: passwords, TOTP codes and refresh tokens would travel
/// readable by anyone on the venue's Wi-Fi. Other schemes, user names or passwords in the
/// URL, queries and fragments are refused too.
pub fn check_server_url(raw: &str) -> Result<String, CoreError> {
    let trimmed = raw.trim().trim_end_matches('/');
    let refuse = |why: &str| CoreError::InsecureServer(format!("refusing the server {trimmed:?}: {why}"));
    let url = reqwest::Url::parse(trimmed)
        .map_err(|e| refuse(&format!("not a server address ({e}); expected e.g. https://platform.example")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("a server address must not carry a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("a server address has no query or fragment"));
    }
    match url.scheme() {
        "https" => {}
        "http" => {
            // The URL parser has already normalised IPv4 forms (`127.1`, `0x7f.0.0.1`); a
            // name that merely starts like one (`127.0.0.1.evil.com`) is a domain.
            let host = url.host_str().unwrap_or_default();
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !loopback {
                return Err(refuse(
                    "plain http:// would send your password and sign-in tokens unencrypted over the network; \
                     use https:// (http:// is only allowed for a platform on this computer: localhost, 127.0.0.1, ::1)",
                ));
            }
        }
        other => return Err(refuse(&format!("the scheme {other}:// is not supported; use https://"))),
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> String {
        match check_server_url(url) {
            Err(CoreError::InsecureServer(m)) => m,
            other => panic!("{url} should be refused, got {other:?}"),
        }
    }

    #[test]
    fn https_is_accepted_for_any_host() {
        for url in
            ["https://platform.example", "https://192.168.1.5:8443", "https://[2001:db8::1]", "https://p.example/"]
        {
            assert!(check_server_url(url).is_ok(), "{url}");
        }
        assert_eq!(check_server_url(" https://p.example/ ").unwrap(), "https://p.example");
        assert_eq!(check_server_url("https://p.example/api/").unwrap(), "https://p.example/api");
    }

    #[test]
    fn plain_http_only_on_this_computer() {
        for url in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1",
            "http://127.1.2.3:9000/",
            "http://[::1]:8080",
            "http://localhost:8080",
            "http://LOCALHOST",
        ] {
            assert!(check_server_url(url).is_ok(), "{url}");
        }
        for url in [
            "http://192.168.1.5",
            "http://192.168.1.5:8080",
            "http://example.com",
            "http://127.0.0.1.evil.com",
            "http://localhost.evil.com",
            "http://10.0.0.1",
            "http://0.0.0.0:8080",
            "http://[::ffff:127.0.0.1]",
            "http://[2001:db8::1]",
        ] {
            let m = refused(url);
            assert!(m.contains("unencrypted"), "{url}: {m}");
            assert!(m.contains("https://"), "the message says what to use: {m}");
        }
    }

    #[test]
    fn other_schemes_credentials_and_non_urls_are_refused() {
        for url in ["ftp://p.example", "ws://127.0.0.1", "file:///etc/passwd", "p.example", "", "https://"] {
            refused(url);
        }
        assert!(refused("ftp://p.example").contains("ftp:// is not supported"));
        assert!(refused("https://ana:pw@p.example").contains("user name or password"));
        assert!(refused("https://p.example/?x=1").contains("query"));
    }
}
