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
    pub fn new(base: &str) -> Result<Self, CoreError> {
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("venuedesk-console/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::Network(e.to_string()))?;
        Ok(ApiClient { base: base.trim_end_matches('/').to_string(), http })
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
            Ok(p) => CoreError::Problem {
                status,
                code: p.code,
                detail: p.detail.unwrap_or(p.title),
                request_id: p.request_id,
                retry_after: None,
            },
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
            Ok(p) => CoreError::Problem {
                status: status.as_u16(),
                code: p.code,
                detail: p.detail.unwrap_or(p.title),
                request_id: p.request_id,
                retry_after,
            },
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
