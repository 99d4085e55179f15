//! A real OAuth authorization server's public side, for the auth tests: its RFC 8414
//! metadata and its JWKS, served on `127.0.0.1:0`, and the keys to mint its tokens.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::routing::get;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use serde_json::{Value, json};

/// A key the issuer signs with, and its public JWK.
pub struct SigningKey {
    /// Its key id (`kid`).
    pub kid: String,
    alg: Algorithm,
    encoding: EncodingKey,
    /// The public key as a JWK.
    pub jwk: Value,
}

impl SigningKey {
    /// The checked-in RSA test key (`tests/keys/`), for RS256.
    pub fn rsa(kid: &str) -> Self {
        let keys = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("keys");
        let pem =
            std::fs::read(keys.join("rsa-test-key.pem")).expect("tests/keys/rsa-test-key.pem");
        let mut jwk: Value = serde_json::from_slice(
            &std::fs::read(keys.join("rsa-test-key.jwk.json")).expect("the test key's JWK"),
        )
        .expect("JWK JSON");
        jwk["kid"] = json!(kid);
        Self {
            kid: kid.to_owned(),
            alg: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_pem(&pem).expect("RSA PEM"),
            jwk,
        }
    }

    /// A fresh P-256 key, for ES256.
    pub fn ec(kid: &str) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("generate a P-256 key");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .expect("read it back");
        // Uncompressed point: 0x04 || x || y.
        let point = pair.public_key().as_ref();
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        Self {
            kid: kid.to_owned(),
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk: json!({
                "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid,
                "x": b64(&point[1..33]), "y": b64(&point[33..65]),
            }),
        }
    }

    /// A JWT of `claims` signed with this key.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("sign a JWT")
    }
}

/// The issuer: metadata at `/.well-known/oauth-authorization-server`, keys at `/jwks`.
pub struct Issuer {
    /// Its issuer identifier, `http://127.0.0.1:PORT`.
    pub url: String,
    published: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Issuer {
    /// Starts one publishing no keys yet.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let published: Arc<Mutex<Vec<Value>>> = Arc::default();
        let fetches = Arc::new(AtomicUsize::new(0));
        let metadata = json!({
            "issuer": url,
            "jwks_uri": format!("{url}/jwks"),
            "authorization_endpoint": format!("{url}/authorize"),
            "token_endpoint": format!("{url}/token"),
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
        });
        let router = axum::Router::new()
            .route(
                "/.well-known/oauth-authorization-server",
                get(move || std::future::ready(Json(metadata.clone()))),
            )
            .route(
                "/jwks",
                get({
                    let published = published.clone();
                    let fetches = fetches.clone();
                    move || {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        let keys = published.lock().expect("keys").clone();
                        std::future::ready(Json(json!({"keys": keys})))
                    }
                }),
            );
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("issuer serves");
        });
        Self {
            url,
            published,
            fetches,
            task,
        }
    }

    /// Adds `key` to the JWKS.
    pub fn publish(&self, key: &SigningKey) {
        self.published.lock().expect("keys").push(key.jwk.clone());
    }

    /// How many times the JWKS was fetched.
    pub fn jwks_fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    /// Claims of an access token from this issuer for `audience`, valid for an hour.
    pub fn claims(&self, audience: &str, subject: &str, scope: &str) -> Value {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs();
        json!({
            "iss": self.url, "aud": audience, "sub": subject, "scope": scope,
            "iat": now, "nbf": now, "exp": now + 3600,
        })
    }
}

impl Drop for Issuer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
