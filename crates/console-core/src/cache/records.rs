//! Everything but bookings that the console shows offline: orders, customers, products,
//! members and roles. One row per entity, the platform's JSON as it was sent, plus the
//! columns the screens filter and sort on (bookings have their own table, clustered by
//! start time for the day view).

use rusqlite::{Connection, OptionalExtension, params};
use serde::de::DeserializeOwned;
use serde_json::Value;
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::{Customer, Member, Order, Product, Role};

use super::{Cache, db_err};
use crate::error::CoreError;

/// The kinds of record kept here, named as the change feed names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Order,
    Customer,
    Product,
    Member,
    Role,
    /// The floor's tables (read with bookings).
    Table,
    /// The waitlist (read with bookings).
    Waitlist,
    /// The venue's opening hours: one record, its id the venue's (read with bookings).
    OpeningHours,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Order,
        Kind::Customer,
        Kind::Product,
        Kind::Member,
        Kind::Role,
        Kind::Table,
        Kind::Waitlist,
        Kind::OpeningHours,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Order => "order",
            Kind::Customer => "customer",
            Kind::Product => "product",
            Kind::Member => "member",
            Kind::Role => "role",
            Kind::Table => "table",
            Kind::Waitlist => "waitlist",
            Kind::OpeningHours => "opening_hours",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The permission the platform's change feed asks before sending this kind.
    pub fn read_permission(self) -> Permission {
        match self {
            Kind::Order => Permission::OrdersRead,
            Kind::Customer => Permission::CustomersRead,
            Kind::Product => Permission::ProductsRead,
            Kind::Member | Kind::Role => Permission::MembersRead,
            Kind::Table | Kind::Waitlist | Kind::OpeningHours => Permission::BookingsRead,
        }
    }

    /// Members are keyed by their user id; everything else by `id`.
    fn id_of(self, v: &Value) -> Option<&str> {
        v.get(if self == Kind::Member { "user_id" } else { "id" })?.as_str()
    }
}

fn text(v: &Value, field: &str) -> String {
    v.get(field).and_then(Value::as_str).unwrap_or_default().to_lowercase()
}

/// Stores one record (inside the caller's transaction, when there is one).
pub(crate) fn store_record(conn: &Connection, kind: Kind, v: &Value, pending: bool) -> Result<(), CoreError> {
    let id = kind.id_of(v).ok_or_else(|| CoreError::Decode(format!("a {} without an id", kind.as_str())))?;
    // sort_key has no declared type: orders sort by creation time (an integer), the rest by name.
    let created = || {
        v.get("created_at")
            .and_then(Value::as_str)
            .and_then(|s| time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok())
            .map_or(0, |t| t.unix_timestamp_nanos() / 1_000_000)
    };
    let (sort_key, status, search): (Value, Option<String>, String) = match kind {
        Kind::Order => {
            let created = created();
            (
                Value::from(created as i64),
                v.get("status").and_then(Value::as_str).map(str::to_owned),
                text(v, "table_label"),
            )
        }
        Kind::Customer => (Value::from(text(v, "name")), None, text(v, "name")),
        Kind::Product => {
            (Value::from(format!("{}\u{1}{}", text(v, "category"), text(v, "name"))), None, text(v, "name"))
        }
        Kind::Member => {
            (Value::from(text(v, "email")), None, format!("{} {}", text(v, "display_name"), text(v, "email")))
        }
        Kind::Role => (Value::from(text(v, "name")), None, text(v, "name")),
        // By area, then name; searched by either.
        Kind::Table => (
            Value::from(format!("{}\u{1}{}", text(v, "area"), text(v, "name"))),
            None,
            format!("{} {}", text(v, "name"), text(v, "area")),
        ),
        Kind::OpeningHours => (Value::from(0), None, String::new()),
        // In the order the parties arrived.
        Kind::Waitlist => (
            Value::from(created() as i64),
            v.get("status").and_then(Value::as_str).map(str::to_owned),
            text(v, "guest_name"),
        ),
    };
    let version = v.get("version").and_then(Value::as_i64).unwrap_or(0);
    let sort_key: Box<dyn rusqlite::ToSql> = match sort_key {
        Value::Number(n) => Box::new(n.as_i64().unwrap_or(0)),
        other => Box::new(other.as_str().unwrap_or_default().to_owned()),
    };
    conn.prepare_cached(
        "INSERT INTO records (entity, id, sort_key, status, search, version, pending, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (entity, id) DO UPDATE SET sort_key = excluded.sort_key, status = excluded.status, search = excluded.search, \
         version = excluded.version, pending = excluded.pending, data = excluded.data",
    )
    .map_err(db_err)?
    .execute(params![kind.as_str(), id, sort_key, status, search, version, pending, v.to_string()])
    .map_err(db_err)?;
    Ok(())
}

fn decode<T: DeserializeOwned>(data: &str) -> Result<T, CoreError> {
    serde_json::from_str(data).map_err(|e| CoreError::Cache(e.to_string()))
}

impl Cache {
    /// Stores (or replaces) records as the platform sent them.
    pub fn put_records<T: serde::Serialize>(
        &mut self,
        kind: Kind,
        items: &[T],
        pending: bool,
    ) -> Result<(), CoreError> {
        let tx = self.conn.transaction().map_err(db_err)?;
        for item in items {
            let v = serde_json::to_value(item).map_err(|e| CoreError::Cache(e.to_string()))?;
            store_record(&tx, kind, &v, pending)?;
        }
        tx.commit().map_err(db_err)
    }

    /// Forgets one record (the platform deleted it and said so in its answer).
    pub fn remove_record(&mut self, kind: Kind, id: &str) -> Result<(), CoreError> {
        self.conn
            .execute("DELETE FROM records WHERE entity = ?1 AND id = ?2", params![kind.as_str(), id])
            .map_err(db_err)?;
        Ok(())
    }

    /// Records of one kind in screen order, optionally by status and a search over names.
    pub fn records<T: DeserializeOwned>(
        &self,
        kind: Kind,
        status: Option<&str>,
        search: Option<&str>,
    ) -> Result<Vec<(T, bool)>, CoreError> {
        let pattern = search.map(|s| format!("%{}%", s.to_lowercase().replace('%', "\\%").replace('_', "\\_")));
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT data, pending FROM records WHERE entity = ?1 AND (?2 IS NULL OR status = ?2) \
                 AND (?3 IS NULL OR search LIKE ?3 ESCAPE '\\') ORDER BY sort_key, id",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![kind.as_str(), status, pattern], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))
            .map_err(db_err)?;
        rows.map(|r| {
            let (data, pending) = r.map_err(db_err)?;
            Ok((decode(&data)?, pending))
        })
        .collect()
    }

    pub fn record<T: DeserializeOwned>(&self, kind: Kind, id: uuid::Uuid) -> Result<Option<(T, bool)>, CoreError> {
        let row: Option<(String, bool)> = self
            .conn
            .query_row(
                "SELECT data, pending FROM records WHERE entity = ?1 AND id = ?2",
                params![kind.as_str(), id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db_err)?;
        row.map(|(data, pending)| Ok((decode(&data)?, pending))).transpose()
    }

    /// Orders oldest first (the kitchen's queue), optionally one status.
    pub fn orders(&self, status: Option<&str>) -> Result<Vec<(Order, bool)>, CoreError> {
        self.records(Kind::Order, status, None)
    }

    /// Customers by name, optionally those whose name contains `search`.
    pub fn customers(&self, search: Option<&str>) -> Result<Vec<(Customer, bool)>, CoreError> {
        self.records(Kind::Customer, None, search)
    }

    /// Products by category, then name.
    pub fn products(&self) -> Result<Vec<Product>, CoreError> {
        Ok(self.records(Kind::Product, None, None)?.into_iter().map(|(p, _)| p).collect())
    }

    pub fn members(&self) -> Result<Vec<Member>, CoreError> {
        Ok(self.records(Kind::Member, None, None)?.into_iter().map(|(m, _)| m).collect())
    }

    pub fn roles(&self) -> Result<Vec<Role>, CoreError> {
        Ok(self.records(Kind::Role, None, None)?.into_iter().map(|(r, _)| r).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::CacheId;
    use crate::keychain::MemoryKeychain;
    use std::sync::Arc;

    fn order(minutes: i64, status: &str, table: &str) -> Order {
        Order {
            id: uuid::Uuid::now_v7(),
            status: status.parse().unwrap(),
            items: vec![],
            total_cents: 1200,
            currency: "GBP".into(),
            booking_id: None,
            table_label: Some(table.into()),
            version: 1,
            created_at: time::OffsetDateTime::from_unix_timestamp(1_800_000_000 + minutes * 60).unwrap(),
        }
    }

    fn customer(name: &str) -> Customer {
        Customer {
            id: uuid::Uuid::now_v7(),
            name: name.into(),
            email: None,
            phone: None,
            allergens: vec!["peanuts".into()],
            dietary_notes: None,
            version: 1,
        }
    }

    #[test]
    fn orders_queue_in_creation_order_and_customers_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let id =
            CacheId { server: "https://p.example".into(), email: "k@example.com".into(), venue_id: uuid::Uuid::nil() };
        let mut cache = Cache::open(dir.path(), id, Arc::new(MemoryKeychain::default())).unwrap();
        let (late, early, ready) = (order(30, "received", "T2"), order(5, "received", "T1"), order(1, "ready", "T9"));
        cache.put_records(Kind::Order, &[late.clone(), early.clone(), ready.clone()], false).unwrap();
        let received: Vec<_> = cache.orders(Some("received")).unwrap().into_iter().map(|(o, _)| o.id).collect();
        assert_eq!(received, vec![early.id, late.id]);
        assert_eq!(cache.orders(None).unwrap().len(), 3);
        // A newer version replaces the row; the status filter follows it.
        cache
            .put_records(
                Kind::Order,
                &[Order { status: venuedesk_api::OrderStatus::Preparing, version: 2, ..early.clone() }],
                true,
            )
            .unwrap();
        let (o, pending) = cache.record::<Order>(Kind::Order, early.id).unwrap().unwrap();
        assert_eq!((o.status.as_str(), o.version, pending), ("preparing", 2, true));
        assert_eq!(cache.orders(Some("received")).unwrap().len(), 1);

        cache
            .put_records(Kind::Customer, &[customer("Zoe Ball"), customer("ada Lovelace"), customer("Ben 100%")], false)
            .unwrap();
        let names: Vec<_> = cache.customers(None).unwrap().into_iter().map(|(c, _)| c.name).collect();
        assert_eq!(names, vec!["ada Lovelace", "Ben 100%", "Zoe Ball"]);
        assert_eq!(cache.customers(Some("LOVE")).unwrap().len(), 1);
        assert_eq!(cache.customers(Some("0%")).unwrap().len(), 1, "% is literal");
        assert!(cache.customers(Some("_")).unwrap().is_empty(), "_ is literal");
    }
}
