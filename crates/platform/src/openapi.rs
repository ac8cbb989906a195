//! The generated OpenAPI document. Handlers describe their own success and specific error
//! responses; [`apply_conventions`] adds what every operation shares (API.md, Conventions),
//! so no operation can forget them.

use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, Required, ResponseBuilder, Type};
use venuedesk_api::Problem;

const DESCRIPTION: &str = "The Venuedesk platform API (contract v1, see API.md).\n\n\
Every response carries `X-Request-ID` (the client's value when it matches `[A-Za-z0-9._-]{1,128}`, \
else a new one) and the security headers `X-Content-Type-Options`, `X-Frame-Options`, \
`Referrer-Policy`, `Content-Security-Policy`, `Permissions-Policy` (and `Strict-Transport-Security` \
over TLS); `/v1/auth/*`, `/v1/me*` and every response to a bearer request also carry \
`Cache-Control: no-store`. Timestamps are RFC 3339 in UTC with exactly three fraction digits \
(`2026-11-26T18:30:00.000Z`), so they sort as strings; any RFC 3339 instant is accepted, and one \
whose UTC form falls outside years 0001-9999 answers `422 validation_failed`.\n\n\
Errors are RFC 9457 `application/problem+json` with a stable `code`. Besides the codes listed per \
operation, any path may answer `404 not_found` (no such route), `405 method_not_allowed`, \
`408 request_timeout` (30 s default) and `413 payload_too_large` (1 MiB). A 500 carries only \
`status`, `title` and `request_id`.\n\n\
Choices where API.md is silent: a missing JSON field answers `422 validation_failed` naming the \
field; emails must be ASCII (internationalised addresses are refused as `validation_failed`); \
enrolling TOTP while enabled answers `409 mfa_already_enabled`, confirming without an enrolment \
`409 mfa_enrollment_not_started`, changing a disabled MFA `409 mfa_not_enabled`; the `code` of \
`DELETE /v1/me/mfa/totp` and `POST /v1/me/mfa/recovery-codes` may be a TOTP code or a recovery \
code. Access tokens also carry `jti`, the id of the refresh token issued with them. \
Sessions' `last_used_at` moves on login and refresh (to the minute). \
Venue data: a venue, or an id inside a body (`customer_id`, `product_id`, `booking_id`, `role_id`), \
that the caller cannot see answers `404 not_found`, exactly like one that does not exist. \
Idempotency: besides 429, `409 idempotency_key_in_use` and 5xx, a `403` is not stored either \
(it depends on the caller's role and MFA at that moment), so the same key is judged again. \
Beyond API.md's codes: `409 role_in_use`, `409 name_taken`, `409 builtin_role`, `409 already_member`. \
Every 403 inside a venue is recorded as an `authz.denied` audit event, identical ones (same actor, \
venue and permission or reason) at most once a minute. `customer.export` is audited too. \
Nobody grants permissions their role lacks, only owners make, demote or remove owners, \
only owners change their own role, changing or removing a member (or changing or deleting a role) \
needs the target's current permissions to be within the caller's, and only owners lower an MFA \
requirement (`403 forbidden`). A new password login voids the user's earlier `mfa_token`s; an MFA \
attempt counts against the email's lockout before its code is checked; confirming TOTP ends every \
other session of the user. Venue `capacity` is 1-100,000. Lowering a venue's capacity keeps \
existing bookings; only new and changed bookings are checked against it. Booking times are \
stored and returned in UTC.";

#[derive(OpenApi)]
#[openapi(
    info(title = "Venuedesk platform API", version = "1", description = "See the document description."),
    components(schemas(Problem)),
    tags(
        (name = "auth", description = "Anonymous sign-up, sign-in, MFA step and refresh"),
        (name = "sessions", description = "The caller's sessions"),
        (name = "me", description = "The signed-in user"),
        (name = "mfa", description = "TOTP and recovery codes"),
        (name = "operations", description = "Health, keys, security contact"),
        (name = "venues", description = "Venues (tenants)"),
        (name = "team", description = "Roles, members and invitations"),
        (name = "products", description = "The menu"),
        (name = "customers", description = "Customers, GDPR export and erasure"),
        (name = "bookings", description = "Bookings and their status machine"),
        (name = "floor", description = "Tables, areas and opening hours (venue-local; a period may pass midnight)"),
        (name = "orders", description = "Orders and the kitchen's status machine"),
        (name = "sync", description = "The change feed"),
        (name = "audit", description = "The hash-chained audit trail"),
        (name = "security", description = "Security alerts for a venue's owners"),
        (name = "integrations", description = "API clients, the OAuth2 client credentials grant, webhooks, publishable keys"),
        (name = "public", description = "A venue's website, with a publishable key (read-only, origin-bound)"),
    )
)]
pub struct ApiDoc;

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
            )
            .build(),
    )
}

fn add_response(op: &mut Operation, status: &str, description: &str) {
    match op.responses.responses.get_mut(status) {
        Some(RefOr::T(existing)) => {
            if !existing.description.contains(description) {
                existing.description = format!("{}; or {description}", existing.description);
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            op.responses.responses.insert(status.to_string(), problem_response(description));
        }
    }
}

/// Every status an operation can give that follows from its shape, from this one place:
/// path ids, query strings, bodies, bearer auth, idempotency, venue membership, If-Match.
fn conventions(path: &str, op: &mut Operation, method: &str) {
    let mutating = method != "get";
    let bearer = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let params = op.parameters.as_deref().unwrap_or_default();
    let has = |kind: ParameterIn, name: Option<&str>| {
        params.iter().any(|p| p.parameter_in == kind && name.is_none_or(|n| p.name.eq_ignore_ascii_case(n)))
    };
    let (path_ids, query, if_match) =
        (has(ParameterIn::Path, None), has(ParameterIn::Query, None), has(ParameterIn::Header, Some("If-Match")));
    if path_ids {
        add_response(op, "400", "`bad_request`: a malformed id in the path");
        add_response(op, "404", "`not_found`: no such resource, or one the caller cannot see");
    }
    if query {
        add_response(op, "400", "`bad_request`: an unknown or malformed query value");
    }
    if if_match {
        add_response(op, "412", "`version_mismatch`: `If-Match` is stale; member `current_version`");
        add_response(op, "428", "`precondition_required`: `If-Match` is missing");
    }
    if path.starts_with("/v1/venues/{vid}") {
        add_response(
            op,
            "403",
            "`forbidden` (member `required_permission`) or `mfa_required` (member `enrollment_required`)",
        );
    }
    if path == "/v1/auth/refresh" {
        add_response(op, "429", "`rate_limited`: 60 refreshes a minute per client IP; `Retry-After`");
    }
    if path == "/v1/oauth/token" {
        // A form body, answered in RFC 6749's error form (documented on the operation).
        add_response(op, "413", "`payload_too_large`: body over 1 MiB");
    } else if op.request_body.is_some() {
        add_response(op, "400", "`bad_request`: malformed JSON or wrong types");
        add_response(op, "413", "`payload_too_large`: body over 1 MiB");
        add_response(op, "415", "`unsupported_media_type`: body not application/json");
        add_response(op, "422", "`validation_failed`: member `errors` names each field");
    }
    if bearer {
        add_response(
            op,
            "401",
            "`unauthenticated` (no, malformed, expired or badly signed token) or `session_revoked`",
        );
        if mutating {
            add_response(op, "400", "`idempotency_key_missing` or `idempotency_key_invalid`");
            add_response(op, "409", "`idempotency_key_in_use`: same key still being processed");
            add_response(op, "422", "`idempotency_key_reused`: same key, different request");
            let param = ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::True)
                .description(Some(
                    "1-255 visible ASCII characters, bare or as an sf-string. A completed request repeated with the same key \
                     and the same method, path and body is answered from the stored response with `Idempotent-Replayed: true`.",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(255))))
                .build();
            op.parameters.get_or_insert_with(Vec::new).push(param);
        }
    }
    add_response(op, "500", "Internal error: the body carries only `status`, `title` and `request_id`");
}

/// Adds shared responses, headers and the bearer scheme to the routes' generated document.
pub fn apply_conventions(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    doc.info.description = Some(DESCRIPTION.to_string());
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT (EdDSA)").build()),
    );
    components.add_security_scheme(
        "publishable_key",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("pk_live_… (a venue's publishable key: read-only, origin-bound)")
                .build(),
        ),
    );
    for (path, item) in doc.paths.paths.iter_mut() {
        for (op, method) in [
            (&mut item.get, "get"),
            (&mut item.post, "post"),
            (&mut item.put, "put"),
            (&mut item.patch, "patch"),
            (&mut item.delete, "delete"),
        ] {
            if let Some(op) = op {
                conventions(path, op, method);
            }
        }
    }
    doc
}
