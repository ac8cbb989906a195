//! TOTP enrolment and recovery codes. Every change needs the password again.

use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use venuedesk_api::me::{CodeOnly, PasswordAndCode, PasswordOnly, RecoveryCodes, TotpEnrollment};
use venuedesk_api::{Problem, ProblemCode};

use crate::auth::context::AuthContext;
use crate::auth::{brute_force, recovery_codes, totp};
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::json::ApiJson;
use crate::routes::auth::{SecondFactor, check_second_factor, event, totp_aad};
use crate::routes::me::{confirm_password, current_user};
use crate::state::AppState;
use crate::store::UserRecord;

fn invalid_code() -> ApiError {
    ApiError::with_detail(ProblemCode::InvalidMfaCode, "the code is wrong, expired or already used")
}

/// A TOTP code or a recovery code, for changes to an enabled MFA.
async fn require_factor(state: &AppState, user: &UserRecord, code: &str, ip: &ClientIp) -> ApiResult<()> {
    let attempt = brute_force::begin_attempt(state, &user.email, Some(user.id), Some(ip.label())).await?;
    let factor = if recovery_codes::looks_like_recovery_code(code) {
        check_second_factor(state, user, None, Some(code)).await?
    } else {
        check_second_factor(state, user, Some(code), None).await?
    };
    match factor {
        SecondFactor::Rejected => {
            attempt.rejected(state).await?;
            Err(invalid_code())
        }
        _ => attempt.accepted(state).await,
    }
}

/// Start TOTP enrolment: a new secret, shown once. MFA is on only after confirmation.
#[utoipa::path(post, path = "/v1/me/mfa/totp", tag = "mfa", security(("bearer" = [])), request_body = PasswordOnly,
    responses(
        (status = 201, body = TotpEnrollment),
        (status = 401, description = "`invalid_credentials`: wrong password", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`mfa_already_enabled`: disable it first", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`locked_out`; `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn enroll_totp(
    State(state): State<AppState>,
    auth: AuthContext,
    ApiJson(body): ApiJson<PasswordOnly>,
) -> ApiResult<(StatusCode, Json<TotpEnrollment>)> {
    let user = current_user(&state, &auth).await?;
    confirm_password(&state, &user, body.password).await?;
    if user.mfa_enabled() {
        return Err(ApiError::with_detail(ProblemCode::MfaAlreadyEnabled, "TOTP is already enabled; disable it first"));
    }
    let secret = zeroize::Zeroizing::new(totp::generate_secret());
    let sealed = state.keys.platform().await?.seal(totp_aad(user.id).as_bytes(), &secret)?;
    state.store.set_pending_totp(user.id, &sealed).await?;
    Ok((
        StatusCode::CREATED,
        Json(TotpEnrollment { secret: totp::base32(&secret), otpauth_uri: totp::otpauth_uri(&secret, &user.email) }),
    ))
}

/// Confirm enrolment with a current code: MFA is on from now, and ten recovery codes are
/// returned, once.
#[utoipa::path(post, path = "/v1/me/mfa/totp/confirm", tag = "mfa", security(("bearer" = [])), request_body = CodeOnly,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 401, description = "`invalid_mfa_code`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`mfa_already_enabled` or `mfa_enrollment_not_started`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm_totp(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: AuthContext,
    ApiJson(body): ApiJson<CodeOnly>,
) -> ApiResult<Json<RecoveryCodes>> {
    let user = current_user(&state, &auth).await?;
    if user.mfa_enabled() {
        return Err(ApiError::with_detail(ProblemCode::MfaAlreadyEnabled, "TOTP is already enabled"));
    }
    let Some(pending) = &user.totp_pending_enc else {
        return Err(ApiError::with_detail(
            ProblemCode::MfaEnrollmentNotStarted,
            "start enrolment with POST /v1/me/mfa/totp first",
        ));
    };
    // Guessing the code with a stolen access token counts towards the account's lockout,
    // before the code is judged.
    let attempt = brute_force::begin_attempt(&state, &user.email, Some(user.id), Some(ip.label())).await?;
    let secret = state.keys.platform().await?.open(totp_aad(user.id).as_bytes(), pending)?;
    let unix = state.clock.now().unix_timestamp().max(0) as u64;
    let Some(step) = totp::matching_step(&secret, &body.code, unix)? else {
        attempt.rejected(&state).await?;
        return Err(invalid_code());
    };
    attempt.accepted(&state).await?;
    let (codes, hashes) = recovery_codes::generate();
    let confirmed = state
        .store
        .confirm_totp(
            user.id,
            pending,
            step,
            &hashes,
            event(user.id, "mfa_enrolled", &state, &ip, Some(auth.session_id)),
        )
        .await?;
    if !confirmed {
        return Err(ApiError::with_detail(ProblemCode::MfaEnrollmentNotStarted, "no enrolment in progress"));
    }
    Ok(Json(RecoveryCodes { recovery_codes: codes }))
}

/// Turn TOTP off. Needs the password and a current code (or a recovery code).
#[utoipa::path(delete, path = "/v1/me/mfa/totp", tag = "mfa", security(("bearer" = [])), request_body = PasswordAndCode,
    responses(
        (status = 204, description = "MFA disabled; recovery codes deleted"),
        (status = 401, description = "`invalid_credentials` or `invalid_mfa_code`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`mfa_not_enabled`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`locked_out`; `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn disable_totp(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: AuthContext,
    ApiJson(body): ApiJson<PasswordAndCode>,
) -> ApiResult<StatusCode> {
    let user = current_user(&state, &auth).await?;
    confirm_password(&state, &user, body.password).await?;
    if !user.mfa_enabled() {
        return Err(ApiError::with_detail(ProblemCode::MfaNotEnabled, "TOTP is not enabled"));
    }
    require_factor(&state, &user, &body.code, &ip).await?;
    state.store.disable_totp(user.id, event(user.id, "mfa_disabled", &state, &ip, Some(auth.session_id))).await?;
    crate::alerts::raise_for_user(&state, user.id, crate::alerts::rules::Kind::MfaDisabled).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the recovery codes; the old ones stop working.
#[utoipa::path(post, path = "/v1/me/mfa/recovery-codes", tag = "mfa", security(("bearer" = [])), request_body = PasswordAndCode,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 401, description = "`invalid_credentials` or `invalid_mfa_code`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`mfa_not_enabled`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`locked_out`; `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn regenerate_recovery_codes(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: AuthContext,
    ApiJson(body): ApiJson<PasswordAndCode>,
) -> ApiResult<Json<RecoveryCodes>> {
    let user = current_user(&state, &auth).await?;
    confirm_password(&state, &user, body.password).await?;
    if !user.mfa_enabled() {
        return Err(ApiError::with_detail(ProblemCode::MfaNotEnabled, "TOTP is not enabled"));
    }
    require_factor(&state, &user, &body.code, &ip).await?;
    let (codes, hashes) = recovery_codes::generate();
    state
        .store
        .replace_recovery_codes(
            user.id,
            &hashes,
            event(user.id, "recovery_codes_regenerated", &state, &ip, Some(auth.session_id)),
        )
        .await?;
    Ok(Json(RecoveryCodes { recovery_codes: codes }))
}
