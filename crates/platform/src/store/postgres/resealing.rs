//! A venue's sealed values, read and replaced for `keys rotate-venue` (in its tenant
//! context; the replacements in its serialised transaction).

use sqlx::Row;
use uuid::Uuid;

use super::PgStore;
use crate::store::{SealedField, SealedValue, StoreResult};

pub(super) async fn venue_sealed(s: &PgStore, venue_id: Uuid) -> StoreResult<Vec<SealedValue>> {
    let mut tx = s.venue_read(venue_id).await?;
    let mut out = Vec::new();
    for r in sqlx::query("SELECT id, data_enc FROM docs WHERE venue_id = $1").bind(venue_id).fetch_all(&mut *tx).await?
    {
        out.push(SealedValue { field: SealedField::Doc, id: r.try_get("id")?, sealed: r.try_get("data_enc")? });
    }
    for r in sqlx::query("SELECT id, secret_enc, previous_secret_enc FROM webhook_endpoints WHERE venue_id = $1")
        .bind(venue_id)
        .fetch_all(&mut *tx)
        .await?
    {
        let id: Uuid = r.try_get("id")?;
        out.push(SealedValue { field: SealedField::WebhookSecret, id, sealed: r.try_get("secret_enc")? });
        if let Some(prev) = r.try_get::<Option<Vec<u8>>, _>("previous_secret_enc")? {
            out.push(SealedValue { field: SealedField::WebhookPreviousSecret, id, sealed: prev });
        }
    }
    if let Some(sealed) =
        sqlx::query_scalar::<_, Vec<u8>>("SELECT webhook_secret_enc FROM payment_settings WHERE venue_id = $1")
            .bind(venue_id)
            .fetch_optional(&mut *tx)
            .await?
    {
        out.push(SealedValue { field: SealedField::PaymentSecret, id: venue_id, sealed });
    }
    tx.commit().await?;
    Ok(out)
}

fn update_sql(field: SealedField) -> &'static str {
    match field {
        SealedField::Doc => "UPDATE docs SET data_enc = $1 WHERE venue_id = $2 AND id = $3 AND data_enc = $4",
        SealedField::WebhookSecret => {
            "UPDATE webhook_endpoints SET secret_enc = $1 WHERE venue_id = $2 AND id = $3 AND secret_enc = $4"
        }
        SealedField::WebhookPreviousSecret => {
            "UPDATE webhook_endpoints SET previous_secret_enc = $1 WHERE venue_id = $2 AND id = $3 AND previous_secret_enc = $4"
        }
        SealedField::PaymentSecret => {
            "UPDATE payment_settings SET webhook_secret_enc = $1 WHERE venue_id = $2 AND $3 = venue_id AND webhook_secret_enc = $4"
        }
    }
}

pub(super) async fn replace_sealed(
    s: &PgStore,
    venue_id: Uuid,
    values: &[(SealedValue, Vec<u8>)],
) -> StoreResult<usize> {
    let mut tx = s.venue_tx(venue_id).await?;
    let mut n = 0;
    for (old, new) in values {
        n += sqlx::query(update_sql(old.field))
            .bind(new)
            .bind(venue_id)
            .bind(old.id)
            .bind(&old.sealed)
            .execute(&mut *tx)
            .await?
            .rows_affected() as usize;
    }
    tx.commit().await?;
    Ok(n)
}
