//! `POST /v1/oauth/token`: the client credentials grant (RFC 6749 §4.4). Errors take
//! RFC 6749 §5.2's form, which OAuth2 client libraries understand, not problem+json;
//! only the limits (429) answer as every other limit does.
//!
//! A client secret is 256 random bits, so it is checked against a SHA-256, not a slow
//! password hash: there is nothing to guess, and a grant costs microseconds, not the
//! tens of milliseconds argon2 spends on a login.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;
use uuid::Uuid;
use venuedesk_api::integrations::{ClientToken, OAuthError, TokenRequest};
use venuedesk_api::permission::{Permission, PermissionSet};

use crate::auth::brute_force;
use crate::auth::tokens::CLIENT_TOKEN_TTL;
use crate::crypto::sha256;
use crate::error::ApiResult;
use crate::http::client_ip::ClientIp;
use crate::state::AppState;
use crate::store::ApiClientRecord;

/// An RFC 6749 §5.2 error answer.
fn oauth_error(error: &str, description: &str) -> Response {
    let status = if error == "invalid_client" { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
    let mut res =
        (status, Json(OAuthError { error: error.into(), error_description: description.into() })).into_response();
    let headers = res.headers_mut();
    if error == "invalid_client" {
        headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"venuedesk\""));
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

/// The form's parameters; a parameter sent twice is a malformed request (RFC 6749 §3.2).
fn parse_form(body: &[u8]) -> Result<TokenRequest, &'static str> {
    let mut req = TokenRequest::default();
    for (name, value) in form_urlencoded::parse(body) {
        let slot = match name.as_ref() {
            "grant_type" => &mut req.grant_type,
            "scope" => &mut req.scope,
            "client_id" => &mut req.client_id,
            "client_secret" => &mut req.client_secret,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err("a parameter was sent more than once");
        }
    }
    Ok(req)
}

/// HTTP Basic client authentication: id and secret, each form-urlencoded (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), &'static str>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let Some((scheme, encoded)) = value.to_str().ok().and_then(|v| v.split_once(' ')) else {
        return Some(Err("the Authorization header is not understood"));
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Some(Err("client authentication is HTTP Basic or client_id and client_secret in the body"));
    }
    let decoded = STANDARD.decode(encoded.trim()).ok().and_then(|b| String::from_utf8(b).ok());
    let Some((id, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
        return Some(Err("the Basic credentials are not base64 of id:secret"));
    };
    let unescape = |s: &str| form_urlencoded::parse(format!("v={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
    Some(unescape(id).zip(unescape(secret)).ok_or("the Basic credentials are not form-urlencoded"))
}

/// Whether `secret` is the client's current secret, or the previous one within its overlap.
fn secret_matches(client: &ApiClientRecord, secret: &str, now: time::OffsetDateTime) -> bool {
    let presented = sha256(secret.as_bytes());
    let current: bool = presented.ct_eq(&client.secret_hash).into();
    let previous = match (client.previous_secret_hash, client.previous_expires_at) {
        (Some(hash), Some(until)) if now < until => presented.ct_eq(&hash).into(),
        _ => false,
    };
    current | previous
}

/// Exchange client credentials for a one-hour access token on the client's venue.
#[utoipa::path(post, path = "/v1/oauth/token", tag = "integrations",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = ClientToken),
        (status = 400, description = "RFC 6749 §5.2: `invalid_request`, `invalid_scope`, `unsupported_grant_type`", body = OAuthError),
        (status = 401, description = "RFC 6749 §5.2: `invalid_client` (with `WWW-Authenticate: Basic`)", body = OAuthError),
        (status = 429, description = "`rate_limited` (per client IP) or `locked_out` (per client_id)", body = venuedesk_api::Problem, content_type = "application/problem+json")))]
pub async fn token(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !form_type {
        return Ok(oauth_error("invalid_request", "send the parameters as application/x-www-form-urlencoded"));
    }
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(why) => return Ok(oauth_error("invalid_request", why)),
    };
    let (client_id, secret) = match (basic_credentials(&headers), form.client_id, form.client_secret) {
        (Some(Err(why)), _, _) => return Ok(oauth_error("invalid_client", why)),
        (Some(Ok(_)), Some(_), _) | (Some(Ok(_)), _, Some(_)) => {
            return Ok(oauth_error("invalid_request", "use one client authentication method, not two"));
        }
        (Some(Ok(pair)), None, None) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        (None, _, _) => return Ok(oauth_error("invalid_client", "client authentication is required")),
    };
    match form.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(_) => return Ok(oauth_error("unsupported_grant_type", "only client_credentials is supported")),
        None => return Ok(oauth_error("invalid_request", "grant_type is required")),
    }
    let identifier = format!("api_client:{}", brute_force::identifier(&client_id));
    brute_force::check_lock(&state, &identifier).await?;
    let now = state.clock.now();
    let client = match Uuid::parse_str(client_id.trim()) {
        Ok(id) => state.store.api_client_by_id(id).await?,
        Err(_) => None,
    };
    let Some(client) = client.filter(|c| secret_matches(c, &secret, now)) else {
        brute_force::record_failure(&state, &identifier, None, Some(ip.label())).await?;
        return Ok(oauth_error("invalid_client", "unknown client or wrong secret"));
    };
    let granted = match form.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => client.permissions,
        Some(asked) => {
            let mut bits = 0;
            for name in asked.split(' ').filter(|s| !s.is_empty()) {
                match Permission::parse(name) {
                    Some(p) if client.permissions.contains(p) => bits |= p.bit(),
                    _ => {
                        return Ok(oauth_error(
                            "invalid_scope",
                            &format!("{name:?} is not one of this client's permissions"),
                        ));
                    }
                }
            }
            PermissionSet(bits)
        }
    };
    state.store.clear_login_failures(&identifier).await?;
    let scope = granted.names().join(" ");
    let access_token = state.tokens.issue_client(client.id, client.venue_id, scope.clone(), now)?;
    let mut res = Json(ClientToken {
        access_token,
        token_type: "Bearer".into(),
        expires_in: CLIENT_TOKEN_TTL.whole_seconds() as u64,
        scope,
    })
    .into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(res)
}

/// Route layer for the token endpoint: its own per-IP counter, before the body is read.
pub async fn limit_per_ip(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> ApiResult<Response> {
    brute_force::admit_ip(&state, &format!("oauth:{}", ip.rate_limit_key())).await?;
    Ok(next.run(req).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_twice_is_refused() {
        assert!(parse_form(b"grant_type=client_credentials&grant_type=client_credentials").is_err());
        let f = parse_form(b"grant_type=client_credentials&scope=bookings%3Aread+orders%3Aread").unwrap();
        assert_eq!(f.scope.as_deref(), Some("bookings:read orders:read"));
    }

    #[test]
    fn basic_credentials_are_form_unescaped() {
        let mut h = HeaderMap::new();
        let v = format!("Basic {}", STANDARD.encode("a%3Ab:s%2Bc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(&v).unwrap());
        assert_eq!(basic_credentials(&h).unwrap().unwrap(), ("a:b".to_string(), "s+c".to_string()));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        assert!(basic_credentials(&h).unwrap().is_err());
    }
}
