//! Test harness: the same integration suite runs against two authorization servers.
//!
//! [`Harness`] starts either pas-devserver (in-process, on 127.0.0.1) or oidc-provider (an
//! OpenID Certified server from npm, `tests/oidc-as/server.mjs`, as a child process), and offers
//! the operations the suite needs on both: a PKCE code flow without a browser, a break-glass `sv`
//! bump, revocation and a scripted token-endpoint failure. Dropping it stops the server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failures are the point

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pas_core::oauth::{AuthorizationRequest, PasClient, PasConfig};
use pas_core::{Algorithm, Profile, Verifier};
use pas_devserver::{Config, DevServer};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

/// The redirect URI registered at both servers.
pub const REDIRECT_URI: &str = "http://127.0.0.1:8765/cb";
/// oidc-provider's resource (the `aud` of its access tokens).
const OIDC_AUDIENCE: &str = "urn:pas:api";

enum Server {
    Dev(DevServer),
    Oidc(tokio::process::Child),
}

/// A running authorization server and how to drive it.
pub struct Harness {
    /// `devserver` or `oidc-provider`.
    pub name: &'static str,
    server: Server,
    base_url: String,
    /// The OAuth configuration for pas-core (discovered).
    pub config: PasConfig,
    /// Whether refresh tokens rotate.
    pub rotates: bool,
    /// The account the suite logs in as.
    pub account: &'static str,
    http: reqwest::Client,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness").field("name", &self.name).field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Server::Oidc(child) = &mut self.server {
            let _ = child.start_kill();
        }
    }
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

impl Harness {
    /// pas-devserver in-process, client `pas-demo`.
    pub async fn devserver(rotate_refresh_tokens: bool) -> Harness {
        let server = DevServer::start(Config { rotate_refresh_tokens, ..Config::default() }).await.unwrap();
        let base_url = server.base_url().to_owned();
        let config = pas_core::oauth::discover(&base_url, "pas-demo", REDIRECT_URI, Default::default()).await.unwrap();
        Harness {
            name: "devserver",
            server: Server::Dev(server),
            base_url,
            config,
            rotates: rotate_refresh_tokens,
            account: "alice",
            http: http(),
        }
    }

    /// oidc-provider as a child process (installs its npm packages on first use), public client
    /// `pas-test-public`.
    pub async fn oidc_provider() -> Harness {
        Self::oidc_provider_with(&[]).await
    }

    /// As [`Harness::oidc_provider`] with extra environment (e.g. `KEYS`).
    pub async fn oidc_provider_with(env: &[(&str, &str)]) -> Harness {
        let dir = repo_root().join("tests/oidc-as");
        install_oidc_provider(&dir);
        let mut command = tokio::process::Command::new("node");
        command.arg("server.mjs").current_dir(&dir).env("PORT", "0").stdout(Stdio::piped()).kill_on_drop(true);
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("node is needed to run oidc-provider");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("oidc-provider did not start in 30 s")
            .unwrap()
            .expect("oidc-provider exited before its ready line");
        // Keep draining stdout: node dies of EPIPE if it logs to a closed pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let info: Value = serde_json::from_str(line.strip_prefix("OIDC_AS_READY ").unwrap()).unwrap();
        let base_url = info["base_url"].as_str().unwrap().to_owned();
        let config = pas_core::oauth::discover(&base_url, "pas-test-public", REDIRECT_URI, Default::default())
            .await
            .unwrap()
            .with_scopes(["openid", "offline_access", "api"])
            .unwrap();
        Harness {
            name: "oidc-provider",
            server: Server::Oidc(child),
            base_url,
            config,
            rotates: true,
            account: "alice",
            http: http(),
        }
    }

    /// The pas-core token client for this server.
    pub fn client(&self) -> PasClient {
        PasClient::new(self.config.clone()).unwrap()
    }

    /// A verifier for this server's access tokens through its JWKS URL.
    pub fn verifier(&self, min_refetch_interval: Duration) -> Verifier {
        let (audience, algorithm, profile) = match self.server {
            Server::Dev(_) => (self.config.client_id().to_owned(), Algorithm::EdDSA, Profile::Pas),
            Server::Oidc(_) => (OIDC_AUDIENCE.to_owned(), Algorithm::ES256, Profile::Rfc9068),
        };
        Verifier::builder(self.config.issuer().unwrap(), audience)
            .algorithms(&[algorithm])
            .profile(profile)
            .jwks_url(self.config.jwks_uri().as_str(), Default::default())
            .min_refetch_interval(min_refetch_interval)
            .build()
            .unwrap()
    }

    /// The devserver, when this harness runs one.
    pub fn devserver_handle(&self) -> Option<&DevServer> {
        match &self.server {
            Server::Dev(s) => Some(s),
            Server::Oidc(_) => None,
        }
    }

    /// A PKCE code flow without a browser: authorize, log in, follow redirects to the client,
    /// check `state` and `iss`, return the code.
    pub async fn login(&self, request: &AuthorizationRequest) -> String {
        let mut url = request.url.clone();
        if let Server::Dev(_) = self.server {
            url.query_pairs_mut().append_pair("login_hint", self.account);
        }
        let mut cookies: Vec<String> = Vec::new();
        let mut next = url.to_string();
        for _ in 0..10 {
            if next.starts_with(REDIRECT_URI) {
                break;
            }
            let target = url.join(&next).unwrap();
            let mut response = self.get_with_cookies(target.as_str(), &cookies).await;
            keep_cookies(&response, &mut cookies);
            if response.status() == 200 && target.path().starts_with("/interaction/") {
                let html = response.text().await.unwrap();
                let action = html.split("action=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_owned();
                response = self
                    .http
                    .post(url.join(&action).unwrap())
                    .header(COOKIE, cookies.join("; "))
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(format!("prompt=login&login={}&password=x", self.account))
                    .send()
                    .await
                    .unwrap();
                keep_cookies(&response, &mut cookies);
            }
            next = response
                .headers()
                .get(LOCATION)
                .unwrap_or_else(|| panic!("{}: no redirect from {target} ({})", self.name, response.status()))
                .to_str()
                .unwrap()
                .to_owned();
        }
        let callback = url::Url::parse(&next).unwrap();
        let param = |name: &str| callback.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        assert_eq!(param("state").as_deref(), Some(request.state.as_str()), "state echoed");
        assert_eq!(param("iss").as_deref(), self.config.issuer(), "RFC 9207 iss");
        param("code").unwrap_or_else(|| panic!("no code: {next}"))
    }

    async fn get_with_cookies(&self, url: &str, cookies: &[String]) -> reqwest::Response {
        let mut request = self.http.get(url);
        if !cookies.is_empty() {
            request = request.header(COOKIE, cookies.join("; "));
        }
        request.send().await.unwrap()
    }

    /// Break-glass at the server: the account's `sv` goes up; returns the new value.
    pub async fn bump_sv(&self) -> i64 {
        match &self.server {
            Server::Dev(_) => {
                let r = self.control(&format!("accounts/{}/bump-sv", self.account), json!({})).await;
                r["sv"].as_i64().unwrap()
            }
            Server::Oidc(_) => {
                // oidc-provider's test hook sets an absolute value; start from 1.
                let next = 2 + (rand::random::<u16>() % 1000) as i64;
                let url = format!("{}/__test/sv?sub={}&v={next}", self.base_url, self.account);
                assert!(self.http.get(url).send().await.unwrap().status().is_success());
                next
            }
        }
    }

    /// Revokes a refresh token at the server (RFC 7009 at oidc-provider).
    pub async fn revoke(&self, refresh_token: &str) {
        match &self.server {
            Server::Dev(_) => {
                self.control("refresh-tokens/revoke", json!({ "refresh_token": refresh_token })).await;
            }
            Server::Oidc(_) => {
                let body = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("token", refresh_token)
                    .append_pair("token_type_hint", "refresh_token")
                    .append_pair("client_id", self.config.client_id())
                    .finish();
                let r = self
                    .http
                    .post(format!("{}/token/revocation", self.base_url))
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "revocation answered {}", r.status());
            }
        }
    }

    /// Makes the token endpoint answer 503 until [`Harness::heal_token_endpoint`].
    pub async fn break_token_endpoint(&self) {
        match &self.server {
            Server::Dev(_) => {
                self.control("faults", json!({"endpoint":"token","count":1000,"fault":{"status":503}})).await;
            }
            Server::Oidc(_) => self.oidc_fail_mode("500").await,
        }
    }

    /// Ends [`Harness::break_token_endpoint`].
    pub async fn heal_token_endpoint(&self) {
        match &self.server {
            Server::Dev(_) => {
                let url = format!("{}/__control/faults", self.base_url);
                assert!(self.http.delete(url).send().await.unwrap().status().is_success());
            }
            Server::Oidc(_) => self.oidc_fail_mode("off").await,
        }
    }

    /// Sets oidc-provider's token-endpoint failure mode (`500`, `garbage200`, `off`, ...).
    pub async fn oidc_fail_mode(&self, mode: &str) {
        let url = format!("{}/__test/fail-token?mode={mode}", self.base_url);
        assert!(self.http.get(url).send().await.unwrap().status().is_success());
    }

    /// POSTs to pas-devserver's control API.
    pub async fn control(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/__control/{path}", self.base_url))
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "control {path}: {}", response.status());
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
    }

    /// GETs pas-devserver's control API.
    pub async fn control_get(&self, path: &str) -> Value {
        let response = self.http.get(format!("{}/__control/{path}", self.base_url)).send().await.unwrap();
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
    }
}

/// Runs `npm ci` once per process. Tests start servers concurrently, and `npm ci` first deletes
/// `node_modules`: an unguarded second install would pull the package out from under a starting
/// server.
fn install_oidc_provider(dir: &std::path::Path) {
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = INSTALL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if dir.join("node_modules/oidc-provider/package.json").exists() {
        return;
    }
    let status = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--silent"])
        .current_dir(dir)
        .status()
        .expect("npm is needed to run oidc-provider");
    assert!(status.success(), "npm ci in tests/oidc-as failed");
}

fn keep_cookies(response: &reqwest::Response, jar: &mut Vec<String>) {
    for value in response.headers().get_all(SET_COOKIE) {
        let pair = value.to_str().unwrap().split(';').next().unwrap().trim().to_owned();
        let name = pair.split('=').next().unwrap().to_owned();
        jar.retain(|c| !c.starts_with(&format!("{name}=")));
        jar.push(pair);
    }
}

/// The unverified payload of a JWT (tests only).
pub fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}
