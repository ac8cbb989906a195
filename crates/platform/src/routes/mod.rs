//! HTTP routes, grouped by what they serve. Anonymous and bearer routes are built apart so
//! authentication and idempotency are layered once, by construction, on every bearer route.

pub mod alerts;
pub mod auth;
pub mod integrations;
pub mod me;
pub mod mfa;
pub mod ops;
pub mod public;
pub mod sessions;
pub mod venue_data;
pub mod venues;

use axum::middleware::from_fn_with_state;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::context::require_auth;
use crate::idempotency;
use crate::state::AppState;

pub fn api(state: AppState) -> OpenApiRouter<AppState> {
    // Signup, login and the MFA step count against the per-IP limit before their bodies are
    // even read; refresh has its own per-IP limit.
    let sign_in = OpenApiRouter::new()
        .routes(routes!(auth::signup))
        .routes(routes!(auth::login))
        .routes(routes!(auth::mfa))
        .route_layer(from_fn_with_state(state.clone(), crate::auth::brute_force::limit_sign_in));
    let anonymous = OpenApiRouter::new()
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::jwks))
        .routes(routes!(ops::security_txt))
        .routes(routes!(ops::retention_policy))
        // Authenticated by the provider's signature over the body, not by a bearer token.
        .routes(routes!(integrations::payments::webhook))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(auth::refresh))
                .route_layer(from_fn_with_state(state.clone(), crate::auth::brute_force::limit_refresh)),
        )
        .merge(sign_in)
        .merge(
            OpenApiRouter::new()
                .routes(routes!(integrations::oauth_token::token))
                .route_layer(from_fn_with_state(state.clone(), integrations::oauth_token::limit_per_ip)),
        );
    // A website's publishable key reads these and nothing else.
    let public = OpenApiRouter::new()
        .routes(routes!(public::venue))
        .routes(routes!(public::menu))
        .routes(routes!(public::availability))
        .route("/v1/public/venue", axum::routing::options(public::preflight))
        .route("/v1/public/menu", axum::routing::options(public::preflight))
        .route("/v1/public/availability", axum::routing::options(public::preflight))
        .route_layer(from_fn_with_state(state.clone(), public::require_publishable_key));
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
        .routes(routes!(venues::create_venue))
        .routes(routes!(venues::get_venue, venues::patch_venue))
        .routes(routes!(venues::list_roles, venues::create_role))
        .routes(routes!(venues::patch_role, venues::delete_role))
        .routes(routes!(venues::list_members))
        .routes(routes!(venues::patch_member, venues::delete_member))
        .routes(routes!(venues::create_invitation))
        .routes(routes!(venues::accept_invitation))
        .routes(routes!(venue_data::products::list, venue_data::products::create))
        .routes(routes!(venue_data::products::patch))
        .routes(routes!(venue_data::customers::list, venue_data::customers::create))
        .routes(routes!(venue_data::customers::get, venue_data::customers::patch, venue_data::customers::erase))
        .routes(routes!(venue_data::customers::export))
        .routes(routes!(venue_data::bookings::list, venue_data::bookings::create))
        .routes(routes!(venue_data::bookings::get, venue_data::bookings::patch))
        .routes(routes!(venue_data::bookings::seat))
        .routes(routes!(venue_data::bookings::complete))
        .routes(routes!(venue_data::bookings::cancel))
        .routes(routes!(venue_data::bookings::no_show))
        .routes(routes!(venue_data::tables::list, venue_data::tables::create))
        .routes(routes!(venue_data::tables::patch, venue_data::tables::delete))
        .routes(routes!(venue_data::opening_hours::get, venue_data::opening_hours::put))
        .routes(routes!(venue_data::waitlist::list, venue_data::waitlist::add))
        .routes(routes!(venue_data::waitlist::offer))
        .routes(routes!(venue_data::waitlist::seat))
        .routes(routes!(venue_data::waitlist::remove))
        .routes(routes!(venue_data::availability::search))
        .routes(routes!(venue_data::orders::list, venue_data::orders::create))
        .routes(routes!(venue_data::orders::set_status))
        .routes(routes!(venue_data::feed::changes))
        .routes(routes!(venue_data::audit::list))
        .routes(routes!(venue_data::audit::export))
        .routes(routes!(alerts::list))
        .routes(routes!(integrations::api_clients::list, integrations::api_clients::create))
        .routes(routes!(integrations::api_clients::delete))
        .routes(routes!(integrations::api_clients::rotate_secret))
        .routes(routes!(integrations::webhooks::list, integrations::webhooks::create))
        .routes(routes!(integrations::webhooks::get, integrations::webhooks::patch, integrations::webhooks::delete))
        .routes(routes!(integrations::webhooks::rotate_secret))
        .routes(routes!(integrations::webhooks::deliveries))
        .routes(routes!(integrations::webhooks::retry))
        .routes(routes!(integrations::public_keys::list, integrations::public_keys::create))
        .routes(routes!(integrations::public_keys::delete))
        .routes(routes!(integrations::payments::get, integrations::payments::put))
        // Inner first: authentication runs before the idempotency check needs the caller.
        .route_layer(from_fn_with_state(state.clone(), idempotency::enforce))
        .route_layer(from_fn_with_state(state, require_auth));
    anonymous.merge(public).merge(bearer)
}
