//! Anonymous auth: signup, login, the MFA step and refresh-token rotation.

use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::SecretString;
use time::Duration;
use uuid::Uuid;
use venuedesk_api::auth::{
    LoginRequest, LoginResponse, MfaChallenge, MfaRequest, RefreshRequest, SignupRequest, SignupResponse, TokenPair,
};
use venuedesk_api::{Problem, ProblemCode};

use crate::auth::{brute_force, normalize_email, password_policy, recovery_codes, totp};
use crate::crypto::{random_32, sha256};
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::json::ApiJson;
use crate::idempotency;
use crate::state::AppState;
use crate::store::{
    MfaChallengeRecord, NewRefreshToken, NewSecurityEvent, NewSession, RotateOutcome, RotateRequest, UserRecord,
};

pub const SESSION_ABSOLUTE_TTL: Duration = Duration::days(30);
pub const REFRESH_IDLE_TTL: Duration = Duration::days(14);
pub const REFRESH_RETRY_WINDOW: Duration = Duration::seconds(60);
pub const MFA_TOKEN_TTL: Duration = Duration::minutes(5);
pub const MFA_MAX_ATTEMPTS: i64 = 5;

/// A new opaque token (256 random bits, base64url) and the SHA-256 that is stored.
pub fn new_opaque_token() -> (String, [u8; 32]) {
    let token = URL_SAFE_NO_PAD.encode(random_32());
    let hash = sha256(token.as_bytes());
    (token, hash)
}

pub fn user_dto(u: &UserRecord) -> venuedesk_api::me::User {
    venuedesk_api::me::User {
        id: u.id,
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        mfa_enabled: u.mfa_enabled(),
    }
}

pub fn event(
    user_id: Uuid,
    kind: &'static str,
    state: &AppState,
    ip: &ClientIp,
    session_id: Option<Uuid>,
) -> NewSecurityEvent {
    NewSecurityEvent { user_id, kind, at: state.clock.now(), ip: Some(ip.label()), session_id }
}

fn token_pair(
    state: &AppState,
    user_id: Uuid,
    session_id: Uuid,
    token_id: Uuid,
    refresh: String,
    refresh_expires_at: time::OffsetDateTime,
) -> ApiResult<TokenPair> {
    let now = state.clock.now();
    let access = state.tokens.issue(user_id, session_id, token_id, now)?;
    Ok(TokenPair {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: crate::auth::tokens::ACCESS_TTL.whole_seconds() as u64,
        refresh_token: refresh,
        refresh_expires_in: (refresh_expires_at - now).whole_seconds().max(0) as u64,
        session_id,
    })
}

/// Starts a session (refresh family) for a user who has passed every factor.
async fn start_session(
    state: &AppState,
    user: &UserRecord,
    device_name: Option<String>,
    ip: &ClientIp,
    mfa_passed: bool,
) -> ApiResult<TokenPair> {
    let now = state.clock.now();
    let session_id = Uuid::now_v7();
    let (refresh, hash) = new_opaque_token();
    let absolute = now + SESSION_ABSOLUTE_TTL;
    let token = NewRefreshToken {
        id: Uuid::now_v7(),
        token_hash: hash,
        issued_at: now,
        expires_at: (now + REFRESH_IDLE_TTL).min(absolute),
    };
    let session = NewSession {
        id: session_id,
        user_id: user.id,
        device_name,
        ip: Some(ip.label()),
        mfa_passed,
        created_at: now,
        absolute_expires_at: absolute,
    };
    state.store.create_session(&session, &token, event(user.id, "login", state, ip, Some(session_id))).await?;
    // Only a complete sign-in (every factor) clears the failure count.
    state.store.clear_login_failures(&user.email).await?;
    token_pair(state, user.id, session_id, token.id, refresh, token.expires_at)
}

fn device_name(raw: Option<String>) -> ApiResult<Option<String>> {
    let Some(raw) = raw else { return Ok(None) };
    let name = raw.trim().to_string();
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::validation("device_name", "must be at most 100 printable characters"));
    }
    Ok((!name.is_empty()).then_some(name))
}

/// Create an account.
#[utoipa::path(post, path = "/v1/auth/signup", tag = "auth", request_body = SignupRequest,
    responses(
        (status = 201, body = SignupResponse),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`weak_password` (member `reasons`) or `validation_failed`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited` (per client IP); `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn signup(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    ApiJson(body): ApiJson<SignupRequest>,
) -> ApiResult<(StatusCode, Json<SignupResponse>)> {
    let email = normalize_email(&body.email)
        .ok_or_else(|| ApiError::validation("email", "must be a valid ASCII email address"))?;
    let display_name = body.display_name.trim().to_string();
    if display_name.is_empty() || display_name.chars().count() > 100 || display_name.chars().any(char::is_control) {
        return Err(ApiError::validation("display_name", "must be 1-100 printable characters"));
    }
    let reasons = password_policy::check(&body.password, &[&email, &display_name]);
    if !reasons.is_empty() {
        return Err(ApiError::with_detail(ProblemCode::WeakPassword, "the password does not meet the policy")
            .with_reasons(reasons));
    }
    if state.store.user_by_email(&email).await?.is_some() {
        return Err(ApiError::with_detail(ProblemCode::EmailTaken, "an account with this email exists"));
    }
    let password = SecretString::from(body.password);
    let hash = state.passwords.hash(&password).await?;
    let now = state.clock.now();
    let user = UserRecord {
        id: Uuid::now_v7(),
        email,
        display_name,
        password_hash: hash,
        totp_secret_enc: None,
        totp_pending_enc: None,
        totp_last_step: None,
        created_at: now,
    };
    match state.store.create_user(&user, event(user.id, "signup", &state, &ip, None)).await {
        Ok(()) => Ok((StatusCode::CREATED, Json(SignupResponse { user: user_dto(&user) }))),
        Err(crate::store::StoreError::Conflict) => {
            Err(ApiError::with_detail(ProblemCode::EmailTaken, "an account with this email exists"))
        }
        Err(e) => Err(e.into()),
    }
}

/// Sign in with email and password. Answers a token pair, or an MFA challenge when the user
/// has TOTP enabled.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "`invalid_credentials` (same for an unknown email)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`locked_out` (5 failures for this email within 15 minutes) or `rate_limited` (20 requests a minute per IP); `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let device = device_name(body.device_name)?;
    let identifier = brute_force::identifier(&body.email);
    brute_force::check_lock(&state, &identifier).await?;
    let password = SecretString::from(body.password);
    let user = match normalize_email(&body.email) {
        Some(email) => state.store.user_by_email(&email).await?,
        None => None,
    };
    let ok = state.passwords.verify(&password, user.as_ref().map(|u| u.password_hash.as_str())).await?;
    // Checked again after hashing: attempts queued behind the one that locked the account
    // learn nothing from their result, so a burst cannot try more than a handful.
    brute_force::check_lock(&state, &identifier).await?;
    let user = match user {
        Some(u) if ok => u,
        other => {
            let user_id = other.as_ref().map(|u| u.id);
            if let Some(id) = user_id {
                state.store.add_security_event(event(id, "login_failed", &state, &ip, None)).await?;
            }
            brute_force::record_failure(&state, &identifier, user_id, Some(ip.label())).await?;
            return Err(ApiError::with_detail(ProblemCode::InvalidCredentials, "wrong email or password"));
        }
    };
    if user.mfa_enabled() {
        let (token, hash) = new_opaque_token();
        let challenge = MfaChallengeRecord {
            user_id: user.id,
            device_name: device,
            ip: Some(ip.label()),
            expires_at: state.clock.now() + MFA_TOKEN_TTL,
            failed_attempts: 0,
        };
        state.store.create_mfa_challenge(hash, &challenge).await?;
        return Ok(Json(LoginResponse::Mfa(MfaChallenge {
            mfa_required: true,
            mfa_token: token,
            methods: vec!["totp".into(), "recovery_code".into()],
        })));
    }
    Ok(Json(LoginResponse::Tokens(start_session(&state, &user, device, &ip, false).await?)))
}

/// Outcome of checking a TOTP code or a recovery code.
pub enum SecondFactor {
    Totp,
    RecoveryCode,
    Rejected,
}

/// Checks a TOTP code (each 30 s step accepted once) or an unused recovery code.
pub async fn check_second_factor(
    state: &AppState,
    user: &UserRecord,
    code: Option<&str>,
    recovery: Option<&str>,
) -> ApiResult<SecondFactor> {
    let now = state.clock.now();
    if let Some(code) = code {
        let Some(sealed) = &user.totp_secret_enc else { return Ok(SecondFactor::Rejected) };
        let key = state.keys.platform().await?;
        let secret = key.open(totp_aad(user.id).as_bytes(), sealed)?;
        let unix = now.unix_timestamp().max(0) as u64;
        return Ok(match totp::matching_step(&secret, code, unix)? {
            Some(step) if state.store.use_totp_step(user.id, step).await? => SecondFactor::Totp,
            _ => SecondFactor::Rejected,
        });
    }
    if let Some(recovery) = recovery
        && state.store.use_recovery_code(user.id, recovery_codes::hash(recovery), now).await?
    {
        return Ok(SecondFactor::RecoveryCode);
    }
    Ok(SecondFactor::Rejected)
}

pub fn totp_aad(user_id: Uuid) -> String {
    format!("users:{user_id}:totp")
}

/// Complete a sign-in with a TOTP code or a recovery code.
#[utoipa::path(post, path = "/v1/auth/mfa", tag = "auth", request_body = MfaRequest,
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "`invalid_mfa_code`: wrong, expired or already-used code, or an invalid/expired `mfa_token`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: send exactly one of `code` and `recovery_code`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`locked_out` or `rate_limited`; `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn mfa(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    ApiJson(body): ApiJson<MfaRequest>,
) -> ApiResult<Json<TokenPair>> {
    if body.code.is_some() == body.recovery_code.is_some() {
        return Err(ApiError::validation("code", "send exactly one of code and recovery_code"));
    }
    let invalid =
        || ApiError::with_detail(ProblemCode::InvalidMfaCode, "the code or the mfa_token is invalid or expired");
    let token_hash = sha256(body.mfa_token.as_bytes());
    let challenge = state
        .store
        .mfa_challenge(token_hash)
        .await?
        .filter(|c| c.expires_at > state.clock.now())
        .ok_or_else(invalid)?;
    let user = state.store.user_by_id(challenge.user_id).await?.ok_or_else(invalid)?;
    // Counted before the code is judged, in the transaction that checks the lock.
    let attempt = brute_force::begin_attempt(&state, &user.email, Some(user.id), Some(ip.label())).await?;
    let factor = check_second_factor(&state, &user, body.code.as_deref(), body.recovery_code.as_deref()).await?;
    if matches!(factor, SecondFactor::Rejected) {
        state.store.fail_mfa_challenge(token_hash, MFA_MAX_ATTEMPTS).await?;
        state.store.add_security_event(event(user.id, "mfa_failed", &state, &ip, None)).await?;
        attempt.rejected(&state).await?;
        return Err(invalid());
    }
    attempt.accepted(&state).await?;
    if !state.store.consume_mfa_challenge(token_hash).await? {
        return Err(invalid());
    }
    if matches!(factor, SecondFactor::RecoveryCode) {
        state.store.add_security_event(event(user.id, "recovery_code_used", &state, &ip, None)).await?;
    }
    Ok(Json(start_session(&state, &user, challenge.device_name, &ip, true).await?))
}

/// Rotate a refresh token. Single use: presenting a rotated token revokes the whole
/// session (`refresh_token_reused`). Repeating the `Idempotency-Key` of the rotation that
/// rotated this token, within 60 seconds, is a lost-response retry: the pair that rotation
/// issued is voided and a fresh pair returned. Not counted in the per-IP sign-in limit.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional. Lets a lost-response retry of this rotation be recognised.")),
    responses(
        (status = 200, body = TokenPair),
        (status = 400, description = "`idempotency_key_invalid`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`refresh_token_invalid` (unknown or expired), `refresh_token_reused` (session now revoked) or `session_revoked`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenPair>> {
    let key_hash = match headers.get(idempotency::HEADER) {
        Some(v) => Some(sha256(idempotency::key::parse(Some(v))?.as_bytes())),
        None => None,
    };
    let now = state.clock.now();
    let (refresh, hash) = new_opaque_token();
    let req = RotateRequest {
        presented_hash: sha256(body.refresh_token.as_bytes()),
        idempotency_key_hash: key_hash,
        now,
        idle_ttl: REFRESH_IDLE_TTL,
        ip: Some(ip.label()),
        retry_window: REFRESH_RETRY_WINDOW,
        next: NewRefreshToken {
            id: Uuid::now_v7(),
            token_hash: hash,
            issued_at: now,
            expires_at: now + REFRESH_IDLE_TTL,
        },
    };
    match state.store.rotate_refresh_token(&req).await? {
        RotateOutcome::Rotated { user_id, session_id, token_id, expires_at, .. } => {
            Ok(Json(token_pair(&state, user_id, session_id, token_id, refresh, expires_at)?))
        }
        RotateOutcome::Reused { user_id, revoked_now } => {
            if revoked_now {
                crate::alerts::raise_for_user(&state, user_id, crate::alerts::rules::Kind::RefreshTokenReuse).await;
            }
            Err(ApiError::with_detail(
                ProblemCode::RefreshTokenReused,
                "this refresh token was already used; the session has been revoked",
            ))
        }
        RotateOutcome::SessionRevoked => {
            Err(ApiError::with_detail(ProblemCode::SessionRevoked, "this session was signed out or revoked"))
        }
        RotateOutcome::Invalid => {
            Err(ApiError::with_detail(ProblemCode::RefreshTokenInvalid, "unknown or expired refresh token"))
        }
    }
}
