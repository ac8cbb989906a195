//! The real binary, JSON logs captured: one line per request with the documented fields,
//! and no password, token, TOTP secret, recovery code or email anywhere in the output.

use std::process::Stdio;
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::PASSWORD;

const NEW_PASSWORD: &str = "Second-Secret-Phrase-55?";

async fn post(client: &reqwest::Client, base: &str, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
    let mut rb = client.request(Method::POST, format!("{base}{path}")).json(&body);
    if let Some(t) = token {
        rb = rb.bearer_auth(t).header("Idempotency-Key", uuid::Uuid::new_v4().to_string());
    }
    rb.send().await.unwrap()
}

#[tokio::test]
async fn request_logs_have_the_fields_and_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_venuedesk-platform"))
        .args(["--log-format", "json", "serve", "--listen", "127.0.0.1:0"])
        .env("VENUEDESK_DATABASE", format!("sqlite://{}", dir.path().join("p.db").display()))
        .env("VENUEDESK_MASTER_KEY_FILE", dir.path().join("master.key"))
        .env_remove("VENUEDESK_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let (addr_tx, addr_rx) = tokio::sync::oneshot::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    let sink = lines.clone();
    let reader = tokio::spawn(async move {
        let mut addr_tx = Some(addr_tx);
        let mut it = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = it.next_line().await {
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && let Some(a) = v["address"].as_str()
                && let Some(tx) = addr_tx.take()
            {
                let _ = tx.send(a.to_string());
            }
            sink.lock().unwrap().push(line);
        }
    });
    let base =
        tokio::time::timeout(std::time::Duration::from_secs(60), addr_rx).await.expect("server started").unwrap();
    let c = reqwest::Client::new();
    let email = "logcheck@example.com";

    assert_eq!(
        post(
            &c,
            &base,
            "/v1/auth/signup",
            None,
            json!({"email": email, "password": PASSWORD, "display_name": "Log Check"})
        )
        .await
        .status(),
        201
    );
    let pair: Value = post(&c, &base, "/v1/auth/login", None, json!({"email": email, "password": PASSWORD}))
        .await
        .json()
        .await
        .unwrap();
    let access = pair["access_token"].as_str().unwrap().to_string();
    let refresh1 = pair["refresh_token"].as_str().unwrap().to_string();
    let rotated: Value =
        post(&c, &base, "/v1/auth/refresh", None, json!({"refresh_token": refresh1})).await.json().await.unwrap();
    let access2 = rotated["access_token"].as_str().unwrap().to_string();
    let refresh2 = rotated["refresh_token"].as_str().unwrap().to_string();
    let enrol: Value =
        post(&c, &base, "/v1/me/mfa/totp", Some(&access2), json!({"password": PASSWORD})).await.json().await.unwrap();
    let secret = enrol["secret"].as_str().unwrap().to_string();
    let code = {
        let raw = decode_base32(&secret);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        venuedesk_platform::auth::totp::code_at(&raw, now, 6).unwrap()
    };
    let codes: Value =
        post(&c, &base, "/v1/me/mfa/totp/confirm", Some(&access2), json!({"code": code})).await.json().await.unwrap();
    let recovery = codes["recovery_codes"][0].as_str().expect("recovery codes").to_string();
    let challenge: Value = post(&c, &base, "/v1/auth/login", None, json!({"email": email, "password": PASSWORD}))
        .await
        .json()
        .await
        .unwrap();
    let mfa_token = challenge["mfa_token"].as_str().unwrap().to_string();
    let mfa_pair: Value =
        post(&c, &base, "/v1/auth/mfa", None, json!({"mfa_token": mfa_token, "recovery_code": recovery}))
            .await
            .json()
            .await
            .unwrap();
    let access3 = mfa_pair["access_token"].as_str().unwrap().to_string();
    let res = post(
        &c,
        &base,
        "/v1/me/password",
        Some(&access3),
        json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(res.status(), 204);
    // A failed login with a wrong password and a reused refresh token, too.
    post(&c, &base, "/v1/auth/login", None, json!({"email": email, "password": "Wrong-But-Secret-1!"})).await;
    post(&c, &base, "/v1/auth/refresh", None, json!({"refresh_token": refresh1})).await;
    let me = c.get(format!("{base}/v1/me")).bearer_auth(&access3).send().await.unwrap();
    assert_eq!(me.status(), 200);

    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    child.start_kill().unwrap();
    let _ = child.wait().await;
    let _ = reader.await;
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        use tokio::io::AsyncReadExt;
        let _ = out.read_to_string(&mut stdout).await;
    }
    let lines = lines.lock().unwrap().clone();
    let all = format!("{}\n{stdout}", lines.join("\n"));

    let secrets = [
        ("password", PASSWORD.to_string()),
        ("new password", NEW_PASSWORD.to_string()),
        ("wrong password", "Wrong-But-Secret-1!".to_string()),
        ("access token", access.clone()),
        ("access token signature", access.rsplit('.').next().unwrap().to_string()),
        ("rotated access token", access2),
        ("refresh token", refresh1),
        ("rotated refresh token", refresh2),
        ("mfa token", mfa_token),
        ("totp secret", secret),
        ("totp code", code),
        ("recovery code", recovery),
        ("email", email.to_string()),
    ];
    for (what, value) in secrets {
        assert!(!all.contains(&value), "{what} leaked into the logs");
    }

    let requests: Vec<Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["target"] == "venuedesk::access")
        .collect();
    assert!(requests.len() >= 11, "one line per request, got {}", requests.len());
    for r in &requests {
        for field in ["method", "route", "status", "latency_ms", "request_id", "user_id"] {
            assert!(r.get(field).is_some(), "{field} missing in {r}");
        }
    }
    let me_line = requests.iter().find(|r| r["route"] == "/v1/me").expect("GET /v1/me logged");
    assert_eq!(me_line["status"], 200);
    assert_ne!(me_line["user_id"], "-", "authenticated requests name the user");
}

fn decode_base32(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut n, mut out) = (0u64, 0, Vec::new());
    for c in s.bytes() {
        bits = (bits << 5) | ALPHABET.iter().position(|&a| a == c).unwrap() as u64;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    out
}
