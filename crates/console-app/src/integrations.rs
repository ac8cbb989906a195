//! The Integrations screen (owners): API clients, publishable keys, webhook endpoints with
//! their delivery log, and payment settings. These live only on the platform (there is no
//! change feed for them): each read is kept in the encrypted cache as a snapshot, so the
//! screen still shows the last lists offline, marked as such, and every change needs the
//! platform and says so. Secrets (client secrets, `whsec_…`, the payment provider's secret)
//! pass through once and are never cached.

use reqwest::Method;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::integrations::{
    ApiClient, ApiClientCreated, ApiClientList, ApiClientSecret, NewApiClient, NewPublicKey, NewWebhook,
    PERSON_ONLY_PERMISSIONS, PUBLIC_KEY_SHOWN_CHARS, PaymentSettings, PaymentSettingsInput, PublicKey,
    PublicKeyCreated, WEBHOOK_EVENTS, Webhook, WebhookCreated, WebhookDelivery, WebhookPatch, WebhookSecret,
};
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::Page;
use venuedesk_console_core::CoreError;
use venuedesk_console_core::cache::{Cache, Snapshot};

use crate::bookings::parse_id;
use crate::console::{Console, Online};
use crate::error::{AppError, Code};
use crate::local_time::rfc3339;
use crate::views::{
    ApiClientSecretView, ApiClientView, DeliveryLog, DeliveryView, IntegrationsView, PaymentSettingsView,
    PublicKeyCreatedView, PublicKeyView, WebhookSecretView, WebhookView,
};

/// The request may have reached the platform before the answer was lost, so this does not
/// claim nothing changed: the list, read again once the platform is back, tells.
const CHANGE_OFFLINE: &str = "Integrations change only on the platform, and it could not be reached or did not answer. \
     Refresh once it is back: if the change is not listed, nothing was changed.";

/// How many deliveries the log shows (the newest).
const DELIVERY_PAGE: u32 = 50;

fn client_view(c: &ApiClient) -> ApiClientView {
    ApiClientView {
        id: c.id.to_string(),
        client_id: c.client_id.clone(),
        name: c.name.clone(),
        permissions: c.permissions.clone(),
        created_at: rfc3339(c.created_at),
        previous_secret_expires_at: c.previous_secret_expires_at.map(rfc3339),
    }
}

fn key_view(k: &PublicKey) -> PublicKeyView {
    PublicKeyView {
        id: k.id.to_string(),
        key_prefix: k.key_prefix.clone(),
        allowed_origins: k.allowed_origins.clone(),
        created_at: rfc3339(k.created_at),
    }
}

fn webhook_view(w: &Webhook) -> WebhookView {
    WebhookView {
        id: w.id.to_string(),
        url: w.url.clone(),
        events: w.events.clone(),
        enabled: w.enabled,
        created_at: rfc3339(w.created_at),
        previous_secret_expires_at: w.previous_secret_expires_at.map(rfc3339),
    }
}

fn delivery_view(d: &WebhookDelivery) -> DeliveryView {
    DeliveryView {
        id: d.id.to_string(),
        event_id: d.event_id.to_string(),
        event: d.event.clone(),
        attempt: d.attempt,
        status: d.status.clone(),
        status_code: d.status_code,
        at: d.at.map(rfc3339),
        next_at: d.next_at.map(rfc3339),
    }
}

fn payments_view(p: &PaymentSettings) -> PaymentSettingsView {
    PaymentSettingsView {
        configured: p.configured,
        provider: p.provider.clone(),
        updated_at: p.updated_at.map(rfc3339),
    }
}

/// Everything the screen lists, as the platform answered it.
struct Lists {
    api_clients: Option<Vec<ApiClient>>,
    public_keys: Option<Vec<PublicKey>>,
    webhooks: Option<Vec<Webhook>>,
    payments: Option<PaymentSettings>,
}

async fn read_if<T: DeserializeOwned>(online: &Online, may: bool, path: String) -> Result<Option<T>, CoreError> {
    if may { online.session.get(&path).await.map(Some) } else { Ok(None) }
}

fn keep<T: serde::Serialize>(
    cache: &Cache,
    what: Snapshot,
    v: &Option<T>,
    at: OffsetDateTime,
) -> Result<(), CoreError> {
    match v {
        Some(v) => cache.put_snapshot_at(what, v, at),
        None => Ok(()),
    }
}

/// A kept snapshot; `oldest` becomes the earliest read time of those found.
fn kept<T: DeserializeOwned>(
    cache: &Cache,
    what: Snapshot,
    oldest: &mut Option<OffsetDateTime>,
) -> Result<Option<T>, CoreError> {
    Ok(cache.snapshot::<T>(what)?.map(|(v, at)| {
        *oldest = Some(oldest.map_or(at, |o: OffsetDateTime| o.min(at)));
        v
    }))
}

impl Console {
    /// A change failed: offline says that nothing changed (nothing is queued for these).
    pub(crate) fn change_failed(&self, e: CoreError) -> AppError {
        let offline = matches!(e, CoreError::Network(_));
        let err = self.fail(e);
        if offline { AppError::new(Code::Offline, CHANGE_OFFLINE) } else { err }
    }

    /// `DELETE /v1/venues/{vid}/{tail}`: a change, so offline it says it needs the platform.
    pub(crate) async fn delete_on_platform(&self, tail: &str) -> Result<(), AppError> {
        let online = self.online()?;
        online
            .session
            .call::<(), ()>(Method::DELETE, &format!("/v1/venues/{}/{tail}", online.venue_id), None, None, None)
            .await
            .map_err(|e| self.change_failed(e))?;
        self.mark_online();
        Ok(())
    }

    fn permissions_here(&self) -> Result<Vec<String>, AppError> {
        self.with_cache(|cache, _| Ok(cache.permissions()?))
    }

    /// Refuses before sending when the cached role lacks `p` (the platform decides anyway).
    pub(crate) fn require(&self, p: Permission) -> Result<(), AppError> {
        if self.permissions_here()?.iter().any(|n| n == p.as_str()) {
            Ok(())
        } else {
            Err(AppError::new(Code::Forbidden, format!("Your role cannot do this (it needs {p}).")))
        }
    }

    /// The screen: every section the user's role manages, read from the platform (and kept);
    /// when the platform cannot be reached, the last lists read on this computer.
    pub async fn integrations(&self) -> Result<IntegrationsView, AppError> {
        let permissions = self.permissions_here()?;
        let may = |p: Permission| permissions.iter().any(|n| n == p.as_str());
        let online = self.online()?;
        let base = format!("/v1/venues/{}", online.venue_id);
        let read = async {
            let clients: Option<ApiClientList> =
                read_if(&online, may(Permission::ApiClientsManage), format!("{base}/api-clients")).await?;
            let keys: Option<Page<PublicKey>> =
                read_if(&online, may(Permission::ApiClientsManage), format!("{base}/public-keys")).await?;
            let hooks: Option<Page<Webhook>> =
                read_if(&online, may(Permission::WebhooksManage), format!("{base}/webhooks")).await?;
            let payments: Option<PaymentSettings> =
                read_if(&online, may(Permission::PaymentsManage), format!("{base}/payments")).await?;
            Ok::<_, CoreError>(Lists {
                api_clients: clients.map(|l| l.items),
                public_keys: keys.map(|p| p.items),
                webhooks: hooks.map(|p| p.items),
                payments,
            })
        };
        let (lists, read_at, offline) = match read.await {
            Ok(lists) => {
                self.mark_online();
                let now = OffsetDateTime::now_utc();
                // Milliseconds, as kept: offline, the screen shows the very same time.
                let now = now.replace_nanosecond(now.millisecond() as u32 * 1_000_000).unwrap_or(now);
                self.with_cache(|cache, _| {
                    keep(cache, Snapshot::ApiClients, &lists.api_clients, now)?;
                    keep(cache, Snapshot::PublicKeys, &lists.public_keys, now)?;
                    keep(cache, Snapshot::Webhooks, &lists.webhooks, now)?;
                    if let Some(hooks) = &lists.webhooks {
                        // Logs of endpoints deleted meanwhile (here or elsewhere) go too.
                        cache.forget_delivery_logs_except(&hooks.iter().map(|w| w.id).collect::<Vec<_>>())?;
                    }
                    keep(cache, Snapshot::Payments, &lists.payments, now)?;
                    Ok(())
                })?;
                (lists, Some(now), false)
            }
            Err(e @ CoreError::Network(_)) => {
                let _ = self.fail(e);
                self.with_cache(|cache, _| {
                    let mut oldest = None;
                    let lists = Lists {
                        api_clients: kept(cache, Snapshot::ApiClients, &mut oldest)?,
                        public_keys: kept(cache, Snapshot::PublicKeys, &mut oldest)?,
                        webhooks: kept(cache, Snapshot::Webhooks, &mut oldest)?,
                        payments: kept(cache, Snapshot::Payments, &mut oldest)?,
                    };
                    Ok((lists, oldest, true))
                })?
            }
            Err(e) => return Err(self.fail(e)),
        };
        let held: Vec<Permission> = permissions.iter().filter_map(|n| Permission::parse(n)).collect();
        Ok(IntegrationsView {
            api_clients: lists.api_clients.map(|l| l.iter().map(client_view).collect()),
            public_keys: lists.public_keys.map(|l| l.iter().map(key_view).collect()),
            webhooks: lists.webhooks.map(|l| l.iter().map(webhook_view).collect()),
            payments: lists.payments.as_ref().map(payments_view),
            read_at: read_at.map(rfc3339),
            offline,
            webhook_events: WEBHOOK_EVENTS.iter().map(|e| e.to_string()).collect(),
            client_permissions: Permission::ALL
                .iter()
                .filter(|p| held.contains(p) && !PERSON_ONLY_PERMISSIONS.contains(p))
                .map(|p| p.as_str().to_string())
                .collect(),
        })
    }

    pub async fn create_api_client(&self, name: &str, permissions: &[String]) -> Result<ApiClientSecretView, AppError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid("Give the API client a name (up to 100 characters)."));
        }
        if permissions.is_empty() {
            return Err(AppError::invalid("Give the API client at least one permission."));
        }
        self.require(Permission::ApiClientsManage)?;
        let online = self.online()?;
        let body = NewApiClient { name: name.to_string(), permissions: permissions.to_vec() };
        let c: ApiClientCreated = online
            .session
            .call(Method::POST, &format!("/v1/venues/{}/api-clients", online.venue_id), Some(&body), None, None)
            .await
            .map_err(|e| self.change_failed(e))?;
        self.mark_online();
        Ok(ApiClientSecretView {
            client: ApiClientView {
                id: c.id.to_string(),
                client_id: c.client_id.clone(),
                name: c.name.clone(),
                permissions: c.permissions.clone(),
                created_at: rfc3339(c.created_at),
                previous_secret_expires_at: None,
            },
            client_secret: c.client_secret,
        })
    }

    /// A new secret for the client; the old one keeps working for 24 hours.
    pub async fn rotate_api_client_secret(&self, id: &str) -> Result<ApiClientSecretView, AppError> {
        let cid = parse_id(id, "API client")?;
        self.require(Permission::ApiClientsManage)?;
        let online = self.online()?;
        let base = format!("/v1/venues/{}/api-clients", online.venue_id);
        let s: ApiClientSecret = online
            .session
            .call::<(), _>(Method::POST, &format!("{base}/{cid}/secret"), None, None, None)
            .await
            .map_err(|e| self.change_failed(e))?;
        self.mark_online();
        // The list now shows until when the old secret works. The new secret is shown even
        // if this read fails: it exists only in this answer.
        let listed = match online.session.get::<ApiClientList>(&base).await {
            Ok(list) => {
                self.with_cache(|cache, _| Ok(cache.put_snapshot(Snapshot::ApiClients, &list.items)?))?;
                list.items.iter().find(|c| c.id == cid).map(client_view)
            }
            Err(_) => None,
        };
        let client = listed.unwrap_or_else(|| ApiClientView {
            id: cid.to_string(),
            client_id: cid.to_string(),
            name: String::new(),
            permissions: Vec::new(),
            created_at: String::new(),
            previous_secret_expires_at: Some(rfc3339(s.previous_secret_expires_at)),
        });
        Ok(ApiClientSecretView { client, client_secret: s.client_secret })
    }

    /// Deletes the client: its secret and every token it holds stop at once.
    pub async fn delete_api_client(&self, id: &str) -> Result<(), AppError> {
        let cid = parse_id(id, "API client")?;
        self.require(Permission::ApiClientsManage)?;
        self.delete_on_platform(&format!("api-clients/{cid}")).await
    }

    pub async fn create_public_key(&self, origins: &[String]) -> Result<PublicKeyCreatedView, AppError> {
        let origins: Vec<String> =
            origins.iter().map(|o| o.trim().trim_end_matches('/').to_string()).filter(|o| !o.is_empty()).collect();
        if origins.is_empty() {
            return Err(AppError::invalid("Name the website's origin, such as https://harbourbistro.example."));
        }
        if let Some(o) = origins.iter().find(|o| !o.starts_with("https://")) {
            return Err(AppError::invalid(format!("{o} is not an https:// origin.")));
        }
        self.require(Permission::ApiClientsManage)?;
        let online = self.online()?;
        let k: PublicKeyCreated = online
            .session
            .call(
                Method::POST,
                &format!("/v1/venues/{}/public-keys", online.venue_id),
                Some(&NewPublicKey { allowed_origins: origins }),
                None,
                None,
            )
            .await
            .map_err(|e| self.change_failed(e))?;
        self.mark_online();
        let prefix: String = k.key.chars().take(PUBLIC_KEY_SHOWN_CHARS).collect();
        Ok(PublicKeyCreatedView {
            public_key: PublicKeyView {
                id: k.id.to_string(),
                key_prefix: prefix,
                allowed_origins: k.allowed_origins.clone(),
                created_at: rfc3339(k.created_at),
            },
            key: k.key,
        })
    }

    pub async fn delete_public_key(&self, id: &str) -> Result<(), AppError> {
        let kid = parse_id(id, "publishable key")?;
        self.require(Permission::ApiClientsManage)?;
        self.delete_on_platform(&format!("public-keys/{kid}")).await
    }

    pub async fn create_webhook(&self, url: &str, events: &[String]) -> Result<WebhookSecretView, AppError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(AppError::invalid("Enter the endpoint's URL (https://…)."));
        }
        if events.is_empty() {
            return Err(AppError::invalid("Choose at least one event to send."));
        }
        if let Some(e) = events.iter().find(|e| !WEBHOOK_EVENTS.contains(&e.as_str())) {
            return Err(AppError::invalid(format!("{e} is not an event Venuedesk sends.")));
        }
        self.require(Permission::WebhooksManage)?;
        let online = self.online()?;
        let body = NewWebhook { url: url.to_string(), events: events.to_vec() };
        let w: WebhookCreated = online
            .session
            .call(Method::POST, &format!("/v1/venues/{}/webhooks", online.venue_id), Some(&body), None, None)
            .await
            .map_err(|e| self.change_failed(e))?;
        self.mark_online();
        Ok(WebhookSecretView {
            webhook: WebhookView {
                id: w.id.to_string(),
                url: w.url.clone(),
                events: w.events.clone(),
                enabled: w.enabled,
                created_at: rfc3339(w.created_at),
                previous_secret_expires_at: None,
            },
            secret: w.secret,
        })
    }

    /// Pauses or resumes an endpoint (resuming also restarts one a `410` disabled).
    pub async fn set_webhook_enabled(&self, id: &str, enabled: bool) -> Result<WebhookView, AppError> {
        let wid = parse_id(id, "webhook endpoint")?;
        self.require(Permission::WebhooksManage)?;
        let online = self.online()?;
        let path = format!("/v1/venues/{}/webhooks/{wid}", online.venue_id);
        // The current version, read now: a toggle means "as it is now", not as last listed.
        let current: Webhook = online.session.get(&path).await.map_err(|e| self.change_failed(e))?;
        let body = WebhookPatch { enabled: Some(enabled), ..WebhookPatch::default() };
        let w: Webhook = online
            .session
            .call(Method::PATCH, &path, Some(&body), None, Some(current.version))
            .await
            .map_err(|e| self.change_failed(e))?;
        self.mark_online();
        Ok(webhook_view(&w))
    }

    /// A new signing secret; the old one signs every delivery too for 24 hours.
    pub async fn rotate_webhook_secret(&self, id: &str) -> Result<WebhookSecretView, AppError> {
        let wid = parse_id(id, "webhook endpoint")?;
        self.require(Permission::WebhooksManage)?;
        let online = self.online()?;
        let path = format!("/v1/venues/{}/webhooks/{wid}", online.venue_id);
        let s: WebhookSecret = online
            .session
            .call::<(), _>(Method::POST, &format!("{path}/secret"), None, None, None)
            .await
            .map_err(|e| self.change_failed(e))?;
        self.mark_online();
        // Shown even if this read fails: the new secret exists only in the answer above.
        let webhook = match online.session.get::<Webhook>(&path).await {
            Ok(w) => webhook_view(&w),
            Err(_) => WebhookView {
                id: wid.to_string(),
                url: String::new(),
                events: Vec::new(),
                enabled: true,
                created_at: String::new(),
                previous_secret_expires_at: Some(rfc3339(s.previous_secret_expires_at)),
            },
        };
        Ok(WebhookSecretView { webhook, secret: s.secret })
    }

    pub async fn delete_webhook(&self, id: &str) -> Result<(), AppError> {
        let wid = parse_id(id, "webhook endpoint")?;
        self.require(Permission::WebhooksManage)?;
        self.delete_on_platform(&format!("webhooks/{wid}")).await?;
        self.with_cache(|cache, _| Ok(cache.forget_snapshot(Snapshot::Deliveries(wid))?))
    }

    /// The endpoint's newest deliveries; offline, the last log read on this computer.
    pub async fn webhook_deliveries(&self, id: &str) -> Result<DeliveryLog, AppError> {
        let wid = parse_id(id, "webhook endpoint")?;
        self.require(Permission::WebhooksManage)?;
        let online = self.online()?;
        let path = format!("/v1/venues/{}/webhooks/{wid}/deliveries?limit={DELIVERY_PAGE}", online.venue_id);
        match online.session.get::<Page<WebhookDelivery>>(&path).await {
            Ok(page) => {
                self.mark_online();
                self.with_cache(|cache, _| Ok(cache.put_snapshot(Snapshot::Deliveries(wid), &page.items)?))?;
                Ok(DeliveryLog {
                    deliveries: page.items.iter().map(delivery_view).collect(),
                    read_at: Some(rfc3339(OffsetDateTime::now_utc())),
                    offline: false,
                })
            }
            Err(e @ CoreError::Network(_)) => {
                let _ = self.fail(e);
                let kept =
                    self.with_cache(|cache, _| Ok(cache.snapshot::<Vec<WebhookDelivery>>(Snapshot::Deliveries(wid))?))?;
                Ok(match kept {
                    Some((items, at)) => DeliveryLog {
                        deliveries: items.iter().map(delivery_view).collect(),
                        read_at: Some(rfc3339(at)),
                        offline: true,
                    },
                    None => DeliveryLog { deliveries: Vec::new(), read_at: None, offline: true },
                })
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Tries a delivery again now (also one that was given up).
    pub async fn retry_delivery(&self, webhook_id: &str, delivery_id: &str) -> Result<DeliveryView, AppError> {
        let (wid, did): (Uuid, Uuid) = (parse_id(webhook_id, "webhook endpoint")?, parse_id(delivery_id, "delivery")?);
        self.require(Permission::WebhooksManage)?;
        let online = self.online()?;
        let d: WebhookDelivery = online
            .session
            .call::<(), _>(
                Method::POST,
                &format!("/v1/venues/{}/webhooks/{wid}/deliveries/{did}/retry", online.venue_id),
                None,
                None,
                None,
            )
            .await
            .map_err(|e| self.change_failed(e))?;
        self.mark_online();
        Ok(delivery_view(&d))
    }

    /// Sets the payment provider's webhook secret (sealed on the platform, never shown again).
    pub async fn save_payment_settings(
        &self,
        provider: &str,
        webhook_secret: &str,
    ) -> Result<PaymentSettingsView, AppError> {
        if provider != "stripe" {
            return Err(AppError::invalid("Venuedesk takes payments through Stripe."));
        }
        let secret = webhook_secret.trim();
        if secret.is_empty() {
            return Err(AppError::invalid("Paste the webhook signing secret from the Stripe dashboard (whsec_…)."));
        }
        self.require(Permission::PaymentsManage)?;
        let online = self.online()?;
        let body = PaymentSettingsInput { provider: provider.to_string(), webhook_secret: secret.to_string() };
        let p: PaymentSettings = online
            .session
            .call(Method::PUT, &format!("/v1/venues/{}/payments", online.venue_id), Some(&body), None, None)
            .await
            .map_err(|e| self.change_failed(e))?;
        self.mark_online();
        self.with_cache(|cache, _| Ok(cache.put_snapshot(Snapshot::Payments, &p)?))?;
        Ok(payments_view(&p))
    }
}
