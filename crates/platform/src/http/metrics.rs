//! Counts every request for `/metrics`: by method, route template and status, with its
//! latency; a 500 also by its error class (`metrics::fingerprint`).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::ErrorKind;
use crate::state::AppState;

pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    // The template, never the raw path: bounded label values, no ids.
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "<unmatched>".into());
    let res = next.run(req).await;
    let status = res.status().as_u16();
    state.metrics.observe_request(&method, &route, status, start.elapsed().as_secs_f64());
    if status == 500 {
        let kind = res.extensions().get::<ErrorKind>().map(|k| k.0.as_str()).unwrap_or("internal");
        state.metrics.observe_error(kind, &method, &route);
    }
    res
}
