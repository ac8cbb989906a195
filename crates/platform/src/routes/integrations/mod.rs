//! What a venue connects to the rest of its business (API.md, "Integrations (v1.1)").

pub mod api_clients;
pub mod oauth_token;
pub mod payments;
pub mod public_keys;
pub mod webhooks;
