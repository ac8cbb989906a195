//! HTTP routes, grouped by what they serve. Anonymous and bearer routes are built apart so
//! authentication and idempotency are layered once, by construction, on every bearer route.

pub mod auth;
pub mod me;
pub mod mfa;
pub mod ops;
pub mod sessions;

use axum::middleware::from_fn_with_state;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::context::require_auth;
use crate::idempotency;
use crate::state::AppState;

pub fn api(state: AppState) -> OpenApiRouter<AppState> {
    // Signup, login and the MFA step count against the per-IP limit before their bodies are
    // even read (refresh is not counted).
    let sign_in = OpenApiRouter::new()
        .routes(routes!(auth::signup))
        .routes(routes!(auth::login))
        .routes(routes!(auth::mfa))
        .route_layer(from_fn_with_state(state.clone(), crate::auth::brute_force::limit_sign_in));
    let anonymous = OpenApiRouter::new()
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::jwks))
        .routes(routes!(ops::security_txt))
        .routes(routes!(auth::refresh))
        .merge(sign_in);
    let bearer = OpenApiRouter::new()
        .routes(routes!(sessions::logout))
        .routes(routes!(sessions::list))
        .routes(routes!(sessions::revoke))
        .routes(routes!(me::me))
        .routes(routes!(me::change_password))
        .routes(routes!(me::security_events))
        .routes(routes!(mfa::enroll_totp, mfa::disable_totp))
        .routes(routes!(mfa::confirm_totp))
        .routes(routes!(mfa::regenerate_recovery_codes))
        // Inner first: authentication runs before the idempotency check needs the caller.
        .route_layer(from_fn_with_state(state.clone(), idempotency::enforce))
        .route_layer(from_fn_with_state(state, require_auth));
    anonymous.merge(bearer)
}
