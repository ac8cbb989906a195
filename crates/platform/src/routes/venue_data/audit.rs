//! Reading and exporting a venue's audit trail.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::{AuditEvent, Page};
use venuedesk_api::{Problem, ProblemCode};

use super::{page_limit, query_error};
use crate::audit::export::{CSV_HEADER, csv_cell, jsonl_line};
use crate::audit::pii;
use crate::auth::context::Caller;
use crate::crypto::DataKey;
use crate::domain::access::authorize;
use crate::domain::{time_range, validate};
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::state::AppState;
use crate::store::{AuditQuery, StoredAuditEvent};

/// Events fetched per database round trip while exporting: memory stays bounded by this.
const EXPORT_CHUNK: u32 = 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditListQuery {
    /// RFC 3339 instant or `YYYY-MM-DD` (venue time zone), inclusive.
    pub from: Option<String>,
    /// RFC 3339 instant (exclusive) or `YYYY-MM-DD` (that whole day included).
    pub to: Option<String>,
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditExportQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    /// `csv` or `jsonl`.
    pub format: String,
}

fn bounds(
    tz: chrono_tz::Tz,
    from: Option<&str>,
    to: Option<&str>,
) -> ApiResult<(Option<OffsetDateTime>, Option<OffsetDateTime>)> {
    let bad = |w: &str| {
        ApiError::with_detail(ProblemCode::BadRequest, format!("{w} must be an RFC 3339 instant or a YYYY-MM-DD date"))
    };
    let from = from
        .map(|f| time_range::parse_bound(tz, f).ok_or_else(|| bad("from")).and_then(|b| validate::instant("from", b.0)))
        .transpose()?;
    let to = to
        .map(|t| {
            time_range::parse_bound(tz, t)
                .ok_or_else(|| bad("to"))
                .and_then(|(s, day_end)| validate::instant("to", day_end.unwrap_or(s)))
        })
        .transpose()?;
    Ok((from, to))
}

pub fn event_of(e: &StoredAuditEvent) -> ApiResult<AuditEvent> {
    let mut v: Value = serde_json::from_str(&e.canonical).map_err(ApiError::internal)?;
    v["hash"] = Value::String(e.hash.clone());
    serde_json::from_value(v).map_err(ApiError::internal)
}

/// Audit events, oldest first (`audit:read`).
#[utoipa::path(get, path = "/v1/venues/{vid}/audit", tag = "audit", security(("bearer" = [])), params(("vid" = Uuid, Path), AuditListQuery),
    responses((status = 200, body = Page<AuditEvent>), (status = 400, description = "`bad_request`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    q: Result<Query<AuditListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<AuditEvent>>> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::AuditRead)).await?;
    let Query(q) = q.map_err(query_error)?;
    let limit = page_limit(q.limit)?;
    let tz = validate::timezone("timezone", &scope.venue.timezone)?;
    let (from, to) = bounds(tz, q.from.as_deref(), q.to.as_deref())?;
    let after_seq = match q.cursor.as_deref() {
        Some(c) => c.parse::<i64>().map_err(|_| ApiError::with_detail(ProblemCode::BadRequest, "malformed cursor"))?,
        None => 0,
    };
    let query = AuditQuery { from, to, actor_id: q.actor_id, action: q.action.clone(), after_seq, limit: limit + 1 };
    let rows = state.store.audit_events(vid, &query).await?;
    let more = rows.len() > limit as usize;
    let items = rows.iter().take(limit as usize).map(event_of).collect::<ApiResult<Vec<_>>>()?;
    let next_cursor = if more { items.last().map(|e| e.seq.to_string()) } else { None };
    Ok(Json(Page { items, next_cursor }))
}

/// Replaces sealed personal data with its plaintext while the subject's key exists, else
/// with `[erased]`.
async fn readable(
    state: &AppState,
    vid: Uuid,
    keys: &mut HashMap<String, Option<Arc<DataKey>>>,
    v: &mut Value,
) -> ApiResult<()> {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                if let Some(scope) = pii::scope_of(s).map(str::to_owned) {
                    // Only this venue's keys: a planted scope cannot open another venue's data.
                    if !pii::belongs_to(&scope, vid) {
                        *s = "[unreadable]".into();
                        continue;
                    }
                    if !keys.contains_key(&scope) {
                        keys.insert(scope.clone(), state.keys.existing(&scope).await?);
                    }
                    let plain = keys.get(&scope).cloned().flatten().and_then(|k| pii::open(s, &k));
                    *s = plain.unwrap_or_else(|| "[erased]".into());
                }
            }
            Value::Array(a) => stack.extend(a.iter_mut()),
            Value::Object(o) => stack.extend(o.values_mut()),
            _ => {}
        }
    }
    Ok(())
}

async fn csv_rows(
    state: &AppState,
    vid: Uuid,
    keys: &mut HashMap<String, Option<Arc<DataKey>>>,
    events: &[StoredAuditEvent],
) -> ApiResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for e in events {
        let ev = event_of(e)?;
        let mut details = ev.details.clone();
        readable(state, vid, keys, &mut details).await?;
        let opt = |v: Option<String>| v.unwrap_or_default();
        let row = [
            ev.seq.to_string(),
            ev.at,
            ev.actor.kind,
            opt(ev.actor.id.map(|i| i.to_string())),
            ev.action,
            ev.target.kind,
            opt(ev.target.id),
            opt(ev.request_id),
            opt(ev.ip),
            details.to_string(),
            ev.hash,
        ];
        w.write_record(row.iter().map(|c| csv_cell(c))).map_err(ApiError::internal)?;
    }
    w.into_inner().map_err(ApiError::internal)
}

/// Stream the trail as CSV or JSON Lines (`audit:export`). JSON Lines rows are the events
/// exactly as hashed plus `hash`: the file verifies with SHA-256 and RFC 8785 alone. The
/// export is itself audited. Memory use does not grow with the size of the trail.
#[utoipa::path(get, path = "/v1/venues/{vid}/audit/export", tag = "audit", security(("bearer" = [])), params(("vid" = Uuid, Path), AuditExportQuery),
    responses((status = 200, description = "The export, as an attachment", content_type = "text/csv"),
        (status = 400, description = "`bad_request`: unknown format or bad dates", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn export(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    q: Result<Query<AuditExportQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::AuditExport)).await?;
    let Query(q) = q.map_err(query_error)?;
    let csv = match q.format.as_str() {
        "csv" => true,
        "jsonl" => false,
        _ => return Err(ApiError::with_detail(ProblemCode::BadRequest, "format must be csv or jsonl")),
    };
    let tz = validate::timezone("timezone", &scope.venue.timezone)?;
    let (from, to) = bounds(tz, q.from.as_deref(), q.to.as_deref())?;
    let audit = scope.audit(
        &state,
        "audit.export",
        "venue",
        Some(vid.to_string()),
        json!({ "format": q.format, "from": q.from, "to": q.to }),
    );
    state.store.append_audit(audit).await?;

    struct Cursor {
        state: AppState,
        keys: HashMap<String, Option<Arc<DataKey>>>,
        query: AuditQuery,
        header_sent: bool,
        done: bool,
    }
    let start = Cursor {
        state: state.clone(),
        keys: HashMap::new(),
        query: AuditQuery { from, to, actor_id: None, action: None, after_seq: 0, limit: EXPORT_CHUNK },
        header_sent: false,
        done: false,
    };
    let stream = futures::stream::unfold(start, move |mut c| async move {
        if c.done {
            return None;
        }
        if csv && !c.header_sent {
            c.header_sent = true;
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(CSV_HEADER);
            let head = w.into_inner().unwrap_or_default();
            return Some((Ok::<Bytes, std::io::Error>(Bytes::from(head)), c));
        }
        let rows = match c.state.store.audit_events(vid, &c.query).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "audit export failed");
                return Some((Err(std::io::Error::other("audit export failed")), Cursor { done: true, ..c }));
            }
        };
        if rows.is_empty() {
            return None;
        }
        c.query.after_seq = rows.last().map_or(c.query.after_seq, |r| r.seq);
        c.done = rows.len() < EXPORT_CHUNK as usize;
        let chunk = if csv {
            match csv_rows(&c.state, vid, &mut c.keys, &rows).await {
                Ok(b) => b,
                Err(_) => return Some((Err(std::io::Error::other("audit export failed")), Cursor { done: true, ..c })),
            }
        } else {
            rows.iter().map(|r| jsonl_line(&r.canonical, &r.hash)).collect::<String>().into_bytes()
        };
        Some((Ok(Bytes::from(chunk)), c))
    });
    let (ctype, ext) = if csv { ("text/csv; charset=utf-8", "csv") } else { ("application/jsonl", "jsonl") };
    let filename = format!("attachment; filename=\"audit-{vid}.{ext}\"");
    Ok((
        [(header::CONTENT_TYPE, ctype.to_string()), (header::CONTENT_DISPOSITION, filename)],
        Body::from_stream(stream),
    )
        .into_response())
}
