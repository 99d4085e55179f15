//! Ours as it runs for real: JWT access tokens (ES256) checked against an issuer's JWKS,
//! and the Prometheus endpoint on. The issuer (its RFC 8414 metadata and JWKS) runs in the
//! same process on its own port; the token the load generator sends is printed as
//! `TOKEN <jwt>` before `PORT <n>`.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use base64::Engine as _;
use mcp_runtime::Auth;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use serde_json::json;

use crate::spec;

/// The router of [`ours`](super::ours) behind auth, with metrics, for a server on `port`,
/// and a valid token for it.
pub async fn router(port: u16) -> anyhow::Result<(axum::Router, String)> {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| anyhow::anyhow!("cannot generate a P-256 key"))?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .map_err(|_| anyhow::anyhow!("cannot read the P-256 key"))?;
    let point = pair.public_key().as_ref();
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let jwks = json!({"keys": [{
        "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": "bench",
        "x": b64(&point[1..33]), "y": b64(&point[33..65]),
    }]});

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let issuer = format!("http://{}", listener.local_addr()?);
    let metadata = json!({"issuer": issuer, "jwks_uri": format!("{issuer}/jwks")});
    let issuer_app = axum::Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            axum::routing::get(move || std::future::ready(axum::Json(metadata.clone()))),
        )
        .route(
            "/jwks",
            axum::routing::get(move || std::future::ready(axum::Json(jwks.clone()))),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, issuer_app).await;
    });

    let audience = format!("http://127.0.0.1:{port}{}", spec::PATH);
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let claims = json!({
        "iss": issuer, "aud": audience, "sub": "bench", "scope": "bench",
        "iat": now, "exp": now + 24 * 3600,
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some("bench".to_owned());
    let token = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_ec_der(pkcs8.as_ref()),
    )
    .context("signing the bench token")?;

    let auth = Auth::jwt(issuer).audience(audience);
    let server = super::ours::server().auth(auth).metrics("/metrics");
    Ok((server.router(), token))
}
