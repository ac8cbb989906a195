//! Access-token tampering: every forged, altered or foreign token answers 401.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};

use crate::common::{TestPlatform, expect_problem};

fn parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.');
    let h = URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap();
    let c = URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap();
    (serde_json::from_slice(&h).unwrap(), serde_json::from_slice(&c).unwrap())
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

#[tokio::test]
async fn forged_and_altered_tokens_are_rejected() {
    let p = TestPlatform::start().await;
    let a = p.user_with_session("j@example.com").await;
    let b = p.user_with_session("k@example.com").await;
    let good = a["access_token"].as_str().unwrap();
    let (header, claims) = parts(good);
    assert_eq!(header["alg"], "EdDSA");
    let kid = header["kid"].as_str().unwrap().to_string();
    for claim in ["iss", "sub", "sid", "iat", "exp"] {
        assert!(claims.get(claim).is_some(), "{claim} in {claims}");
    }
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 900);

    // The JWKS publishes the key that verifies it.
    let jwks: Value = p.req(Method::GET, "/.well-known/jwks.json").send().await.unwrap().json().await.unwrap();
    let jwk = &jwks["keys"][0];
    assert_eq!(
        (jwk["kty"].as_str(), jwk["crv"].as_str(), jwk["kid"].as_str()),
        (Some("OKP"), Some("Ed25519"), Some(kid.as_str()))
    );
    let public = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();

    let signature = good.rsplit('.').next().unwrap();
    let mut forged: Vec<(&str, String)> = Vec::new();

    // alg: none
    forged.push(("alg none", format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims))));
    // HS256 keyed with the public key (algorithm confusion)
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(kid.clone());
    forged.push(("hs256 confusion", jsonwebtoken::encode(&hs, &claims, &EncodingKey::from_secret(&public)).unwrap()));
    // signed by another Ed25519 key under our kid
    let rng = ring::rand::SystemRandom::new();
    let other = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let mut ed = Header::new(Algorithm::EdDSA);
    ed.kid = Some(kid.clone());
    forged
        .push(("foreign key", jsonwebtoken::encode(&ed, &claims, &EncodingKey::from_ed_der(other.as_ref())).unwrap()));
    assert!(Ed25519KeyPair::from_pkcs8(other.as_ref()).unwrap().public_key().as_ref() != public.as_slice());
    // someone else's identity with our signature
    let mut as_b = claims.clone();
    as_b["sub"] = b["access_token"].as_str().map(|t| parts(t).1["sub"].clone()).unwrap();
    forged.push(("swapped sub", format!("{}.{}.{signature}", b64(&header), b64(&as_b))));
    // a longer lifetime with our signature
    let mut longer = claims.clone();
    longer["exp"] = json!(claims["exp"].as_i64().unwrap() + 86_400);
    forged.push(("extended exp", format!("{}.{}.{signature}", b64(&header), b64(&longer))));
    // unknown kid
    let mut unknown_kid = header.clone();
    unknown_kid["kid"] = json!("not-a-key");
    forged.push(("unknown kid", format!("{}.{}.{signature}", b64(&unknown_kid), b64(&claims))));
    // no kid
    let mut no_kid = header.clone();
    no_kid.as_object_mut().unwrap().remove("kid");
    forged.push(("no kid", format!("{}.{}.{signature}", b64(&no_kid), b64(&claims))));
    // truncated signature, garbage, empty pieces
    forged.push(("truncated", good[..good.len() - 4].to_string()));
    forged.push(("garbage", "definitely.not.a-jwt".into()));
    forged.push(("two parts", "abc.def".into()));
    forged.push(("unicode", "ünïcødé.tøkén.sïg".into()));

    for (what, token) in &forged {
        let res = p.req(Method::GET, "/v1/me").header("Authorization", format!("Bearer {token}")).send().await.unwrap();
        let body = expect_problem(res, 401, "unauthenticated").await;
        assert!(body["detail"].is_string(), "{what}");
    }
    // Missing or other schemes.
    expect_problem(p.req(Method::GET, "/v1/me").send().await.unwrap(), 401, "unauthenticated").await;
    let res = p.req(Method::GET, "/v1/me").header("Authorization", format!("Basic {good}")).send().await.unwrap();
    expect_problem(res, 401, "unauthenticated").await;
    let res = p.req(Method::GET, "/v1/me").header("Authorization", "Bearer").send().await.unwrap();
    expect_problem(res, 401, "unauthenticated").await;
    // The genuine token still works; the bearer scheme is case-insensitive.
    let res = p.req(Method::GET, "/v1/me").header("Authorization", format!("bearer {good}")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_validly_signed_token_for_an_unknown_session_is_rejected() {
    let p = TestPlatform::start().await;
    let a = p.user_with_session("l@example.com").await;
    let (_, claims) = parts(a["access_token"].as_str().unwrap());
    let sub: uuid::Uuid = claims["sub"].as_str().unwrap().parse().unwrap();
    use venuedesk_platform::clock::Clock;
    let token = p.state.tokens.issue(sub, uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), p.clock.now()).unwrap();
    expect_problem(p.authed(Method::GET, "/v1/me", &token).send().await.unwrap(), 401, "unauthenticated").await;
}

#[tokio::test]
async fn the_signing_key_survives_a_restart_and_is_stored_sealed() {
    let p = TestPlatform::start().await;
    let a = p.user_with_session("m2@example.com").await;
    // A second platform over the same database and master key verifies the same tokens.
    let store = p.database.open().await;
    let (master, created) =
        venuedesk_platform::crypto::MasterKey::load_or_create(&p.dir.path().join("master.key")).unwrap();
    assert!(!created);
    let other = venuedesk_platform::app::build(
        store,
        master,
        crate::common::relaxed(),
        p.clock.clone(),
        "venuedesk-test".into(),
    )
    .await
    .unwrap();
    use venuedesk_platform::clock::Clock;
    let claims = other.state.tokens.verify(a["access_token"].as_str().unwrap(), p.clock.now()).unwrap();
    assert_eq!(claims.sid.to_string(), a["session_id"].as_str().unwrap());
    // The private key is not in the database file in the clear (PKCS#8 Ed25519 prefix).
    let raw = p.stored_bytes().await;
    let pkcs8_prefix: &[u8] = &[0x30, 0x53, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];
    assert!(!crate::common::stored_contains(&raw, pkcs8_prefix));
}
