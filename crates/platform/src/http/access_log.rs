//! One log line per request: method, route, status, latency, request id, user id. Never a
//! body, a header value, a query string, a token or a password.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;

use super::request_id::RequestId;

/// Filled by authentication so the log line can name the actor.
#[derive(Debug, Clone, Default)]
pub struct ActorSlot(pub Arc<OnceLock<Uuid>>);

pub async fn log(mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    // The route template (`/v1/auth/sessions/{id}`), never the raw path with its ids or query.
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "<unmatched>".into());
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let actor = ActorSlot::default();
    req.extensions_mut().insert(actor.clone());
    let res = next.run(req).await;
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    let user_id = actor.0.get().map(|u| u.to_string());
    tracing::info!(
        target: "venuedesk::access",
        method = %method,
        route = %route,
        status = res.status().as_u16(),
        latency_ms = format!("{latency_ms:.2}"),
        request_id = %request_id,
        user_id = user_id.as_deref().unwrap_or("-"),
        "request"
    );
    res
}
