//! The point-in-time recovery drill: bookings, a full backup, a noted time, more bookings,
//! a restore to the noted time — and exactly the first set is there, its chain intact.

use sqlx::Connection;
use venuedesk_platform::app;
use venuedesk_platform::store::postgres::PoolSettings;

use crate::cluster::{Cluster, Node, audit_verifies};

#[tokio::test]
#[ignore = "a drill with its own pgBackRest cluster: scripts/test.sh runs it"]
async fn restore_to_a_noted_time_keeps_exactly_what_was_committed_before_it() {
    let cluster = Cluster::start("pitr-cluster.sh");
    app::migrate_database(&cluster.owner_url, PoolSettings::default(), "venuedesk_app").await.unwrap();
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("master.key");
    let node = Node::start(&cluster.app_url(), &key, PoolSettings::default()).await;
    let token = node.owner("pitr@example.com").await;
    let vid = node.venue(&token, "pitr venue").await;
    for i in 0..5 {
        assert_eq!(
            node.book(&token, &vid, &format!("First {i}"), 2 + i, &uuid::Uuid::new_v4().to_string()).await,
            Some(201)
        );
    }
    cluster.run("backup", &[]);
    // pgBackRest records a backup's end in whole seconds: a time noted within that second
    // would be "before the backup" (the runbook says the same).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    // More before the noted time: recovery replays WAL past the backup's end.
    assert_eq!(node.book(&token, &vid, "First 5", 9, &uuid::Uuid::new_v4().to_string()).await, Some(201));
    // The noted time, from the database's clock (UTC, with its offset, as an operator notes it).
    let mut conn = sqlx::PgConnection::connect(&cluster.owner_url).await.unwrap();
    sqlx::query("SET TIME ZONE 'UTC'").execute(&mut conn).await.unwrap();
    let noted: String = sqlx::query_scalar("SELECT now()::text").fetch_one(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for i in 0..5 {
        assert_eq!(
            node.book(&token, &vid, &format!("Second {i}"), 20 + i, &uuid::Uuid::new_v4().to_string()).await,
            Some(201)
        );
    }
    let mut before = node.guests(&token, &vid).await;
    before.sort();
    assert_eq!(before.len(), 11);
    drop(node);

    cluster.run("restore", &[&noted]);
    let node = Node::start(&cluster.app_url(), &key, PoolSettings::default()).await;
    let token = node.owner("pitr@example.com").await;
    let mut after = node.guests(&token, &vid).await;
    after.sort();
    let expected: Vec<String> = (0..6).map(|i| format!("First {i}")).collect();
    assert_eq!(after, expected, "exactly the bookings committed before {noted}");
    let (ok, said) = audit_verifies(&cluster.app_url(), &vid);
    assert!(ok, "the restored chain verifies: {said}");
    // The repository is encrypted: the venue's name (plain in the database) is not in it.
    cluster.run("verify", &["pitr venue"]);
}
