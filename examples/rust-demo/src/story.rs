//! The Rust program of the demo story (see `outcome::expected` for the steps), run against a
//! pas-devserver given by its base and control URLs. The C, Go, Python and Node programs under
//! `examples/*/demo*` tell the same story through their bindings; this one uses pas-core directly.

use std::sync::Arc;
use std::time::Duration;

use pas_core::liveness::LivenessOutcome;
use pas_core::oauth::{PasClient, PasConfig, discover};
use pas_core::session::{MemorySvCache, SessionValidator, Validation};
use pas_core::testing::{EffectLog, MemorySession, MemoryStore};
use pas_core::{Error, ErrorCode, TokenCipher, Verifier};
use serde_json::{Value, json};

use crate::outcome::line;

const CLIENT_ID: &str = "pas-demo";
const REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";

fn internal(err: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::Internal, format!("demo plumbing failed: {err}"))
}

/// The program's state: its PAS client, its cipher, its in-memory session store and sv cache.
struct Demo {
    http: reqwest::Client,
    control_url: String,
    config: PasConfig,
    client: PasClient,
    cipher: TokenCipher,
    verifier: Verifier,
    store: MemoryStore,
    cache: Arc<MemorySvCache>,
    validator: SessionValidator,
}

impl Demo {
    async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, Error> {
        let url = format!("{}/{path}", self.control_url);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let response = request.send().await.map_err(internal)?;
        if !response.status().is_success() {
            return Err(internal(format!("control call {path} answered {}", response.status())));
        }
        serde_json::from_slice(&response.bytes().await.map_err(internal)?).map_err(internal)
    }

    /// Calls the token endpoint has received so far.
    async fn token_calls(&self) -> Result<u64, Error> {
        let counters = self.control(reqwest::Method::GET, "counters", None).await?;
        counters.get("token").and_then(Value::as_u64).ok_or_else(|| internal("no token counter"))
    }

    /// Authorization request, login as `account` without a browser (`login_hint`), code
    /// exchange, access token verified; the refresh token goes into the store encrypted, with the
    /// `sv` of the verified access token. Returns that `sv`.
    async fn login(&self, account: &str, session_id: &str) -> Result<Option<i64>, Error> {
        let request = self.config.authorization_request()?;
        let mut url = request.url.clone();
        url.query_pairs_mut().append_pair("login_hint", account);
        let response = self.http.get(url).send().await.map_err(internal)?;
        let location = response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default();
        let callback = url::Url::parse(location).map_err(internal)?;
        let param = |name: &str| callback.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        if param("state").as_deref() != Some(request.state.as_str()) {
            return Err(Error::new(ErrorCode::InvalidState, "state mismatch on the callback"));
        }
        let code = param("code").ok_or_else(|| Error::new(ErrorCode::InvalidArgument, "no code on the callback"))?;
        let tokens = self.client.exchange_code(&code, request.code_verifier.expose()).await?;
        let verified = self.verifier.verify(tokens.access_token.expose()).await?;
        eprintln!("  {account}: access token verified, sub {} sv {:?}", verified.subject(), verified.sv());
        let refresh_token =
            tokens.refresh_token.ok_or_else(|| Error::new(ErrorCode::PasBadResponse, "no refresh token"))?;
        let ciphertext = self.cipher.encrypt(refresh_token.expose())?;
        self.store.insert(
            session_id,
            MemorySession { ppnum_id: verified.subject().to_owned(), sv: verified.sv(), ciphertext: Some(ciphertext) },
        );
        Ok(verified.sv())
    }

    async fn validate(&self, session_id: &str) -> Result<(String, Option<String>, Option<i64>, Option<bool>), Error> {
        let cookie = if session_id.is_empty() { None } else { Some(session_id) };
        Ok(match self.validator.validate(&self.store, cookie).await? {
            Validation::NoCookie => ("no_cookie".into(), None, None, None),
            Validation::Expired(cause) => ("expired".into(), Some(cause.to_string()), None, None),
            Validation::Authenticated { sv, refreshed, .. } => {
                ("authenticated".into(), None, Some(sv), Some(refreshed))
            }
        })
    }

    /// Runs `validate` as the step `step`, counting the PAS calls it made.
    async fn validate_step(&self, step: &str, session_id: &str) -> Result<Value, Error> {
        let before = self.token_calls().await?;
        let (decision, cause, sv, refreshed) = self.validate(session_id).await?;
        let calls = self.token_calls().await? - before;
        Ok(line(step, &decision, cause.as_deref(), sv, refreshed, None, calls))
    }

    async fn login_step(&self, step: &str, account: &str, session_id: &str) -> Result<Value, Error> {
        let before = self.token_calls().await?;
        let sv = self.login(account, session_id).await?;
        let calls = self.token_calls().await? - before;
        Ok(line(step, "logged_in", None, sv, None, None, calls))
    }

    async fn liveness_step(&self, step: &str, session_id: &str) -> Result<Value, Error> {
        let ciphertext = self
            .store
            .get(session_id)
            .and_then(|s| s.ciphertext)
            .ok_or_else(|| internal("the session has no ciphertext"))?;
        let before = self.token_calls().await?;
        let outcome = self.validator.liveness_refresh(&ciphertext).await;
        let calls = self.token_calls().await? - before;
        let millis = |d: Option<Duration>| d.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Ok(match outcome {
            LivenessOutcome::Fresh { .. } => line(step, "fresh", None, None, None, None, calls),
            LivenessOutcome::Revoked { cause, .. } => {
                line(step, "revoked", Some(cause.as_str()), None, None, None, calls)
            }
            LivenessOutcome::Transient { cause, retry_after } => {
                line(step, "transient", Some(cause.as_str()), None, None, millis(retry_after), calls)
            }
            other => return Err(internal(format!("a liveness outcome this demo does not know: {other:?}"))),
        })
    }
}

/// Runs the story against the devserver at `base_url`, handing each step's line to `emit` as
/// soon as it is known. Fails on any plumbing error (not on an unexpected decision: the table
/// judges those).
pub async fn run(base_url: &str, control_url: &str, mut emit: impl FnMut(&Value)) -> Result<(), Error> {
    let config = discover(base_url, CLIENT_ID, REDIRECT_URI, Default::default())
        .await?
        .with_request_timeout(Duration::from_secs(2));
    let client = PasClient::new(config.clone())?;
    let cipher = TokenCipher::from_base64_key(&TokenCipher::generate_key())?;
    let cache = Arc::new(MemorySvCache::new());
    let validator =
        SessionValidator::builder(Arc::new(client.clone())).cipher(cipher.clone()).cache(cache.clone()).build();
    let verifier = Verifier::builder(config.issuer().unwrap_or(base_url), CLIENT_ID)
        .profile(pas_core::Profile::Pas)
        .jwks_url(config.jwks_uri().as_str(), Default::default())
        .build()?;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().map_err(internal)?;
    let demo = Demo {
        http,
        control_url: control_url.trim_end_matches('/').to_owned(),
        config,
        client,
        cipher,
        verifier,
        store: MemoryStore::new(EffectLog::new()),
        cache,
        validator,
    };
    let post = reqwest::Method::POST;

    eprintln!("1. alice logs in (PKCE S256, no browser) and uses the site");
    emit(&demo.login_step("login", "alice", "session-a").await?);
    emit(&demo.validate_step("validate", "session-a").await?);
    emit(&demo.validate_step("validate_cached", "session-a").await?);

    eprintln!("2. break-glass at PAS: alice's sv is bumped; the cache entry is cleared");
    demo.control(post.clone(), "accounts/alice/bump-sv", Some(json!({}))).await?;
    demo.cache.clear();
    emit(&demo.validate_step("break_glass", "session-a").await?);

    eprintln!("3. PAS revokes alice's refresh tokens");
    demo.control(post.clone(), "accounts/alice/revoke", Some(json!({}))).await?;
    demo.cache.clear();
    emit(&demo.validate_step("revoked", "session-a").await?);

    eprintln!("4. bob logs in; then PAS answers 503 on every token call");
    emit(&demo.login_step("login_bob", "bob", "session-b").await?);
    let fault = json!({"endpoint": "token", "count": 100, "fault": {"status": 503, "retry_after": 5}});
    demo.control(post, "faults", Some(fault)).await?;
    emit(&demo.validate_step("pas_503_sv_path", "session-b").await?);
    emit(&demo.liveness_step("pas_503_liveness", "session-b").await?);

    eprintln!("5. requests without a session");
    emit(&demo.validate_step("no_cookie", "").await?);
    emit(&demo.validate_step("unknown_session", "session-x").await?);
    Ok(())
}
