//! `make demo`: one login session, start to end, against a local PAS (pas-devserver on
//! 127.0.0.1), printing every decision pas makes.
//!
//! Login URL with PKCE, login without a browser, code exchange, access-token verification through
//! the JWKS, refresh token encrypted into the program's store, session validation (refresh, then
//! served from the `sv` cache), break-glass, revocation, and PAS down (fail-closed on the `sv`
//! path, fail-open on the liveness path). Exits non-zero if any decision is not the expected one.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use pas_core::liveness::LivenessOutcome;
use pas_core::oauth::{PasClient, PasConfig, discover};
use pas_core::session::{MemorySvCache, SessionValidator, Validation};
use pas_core::testing::{EffectLog, MemorySession, MemoryStore};
use pas_core::{Error, ErrorCode, TokenCipher, Verifier};
use pas_devserver::{Config, DevServer};

const REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";

/// One line of the printed table: what happened, what pas decided, what was expected.
struct Row {
    step: &'static str,
    decision: String,
    expected: String,
}

fn decision(v: &Validation<MemorySession>) -> String {
    match v {
        Validation::NoCookie => "no_cookie".into(),
        Validation::Expired(cause) => format!("expired ({cause})"),
        Validation::Authenticated { sv, refreshed, .. } => {
            format!("authenticated (sv {sv}, {})", if *refreshed { "refreshed at PAS" } else { "from the sv cache" })
        }
    }
}

struct Demo {
    server: DevServer,
    http: reqwest::Client,
    config: PasConfig,
    client: PasClient,
    cipher: TokenCipher,
    store: MemoryStore,
    cache: Arc<MemorySvCache>,
    validator: SessionValidator,
    rows: Vec<Row>,
}

impl Demo {
    async fn control(&self, path: &str, body: serde_json::Value) -> Result<serde_json::Value, Error> {
        let url = format!("{}/__control/{path}", self.server.base_url());
        let response = self.http.post(url).body(body.to_string()).send().await.map_err(internal)?;
        serde_json::from_slice(&response.bytes().await.map_err(internal)?).map_err(internal)
    }

    /// Authorization request, login as `account` without a browser, code exchange; the refresh
    /// token goes into the store encrypted, with the `sv` of the verified access token.
    async fn login(&mut self, account: &str, session_id: &str, verifier: &Verifier) -> Result<(), Error> {
        let request = self.config.authorization_request()?;
        println!("  login URL: {}", request.url);
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
        let verified = verifier.verify(tokens.access_token.expose()).await?;
        println!(
            "  access token verified: sub {} sv {:?} scopes {:?}",
            verified.subject(),
            verified.sv(),
            verified.scopes()
        );
        let refresh_token =
            tokens.refresh_token.ok_or_else(|| Error::new(ErrorCode::PasBadResponse, "no refresh token"))?;
        let ciphertext = self.cipher.encrypt(refresh_token.expose())?;
        self.store.insert(
            session_id,
            MemorySession { ppnum_id: verified.subject().to_owned(), sv: verified.sv(), ciphertext: Some(ciphertext) },
        );
        Ok(())
    }

    async fn validate(&mut self, step: &'static str, session_id: &str, expected: &str) -> Result<(), Error> {
        let v = self.validator.validate(&self.store, Some(session_id)).await?;
        self.rows.push(Row { step, decision: decision(&v), expected: expected.into() });
        Ok(())
    }
}

fn internal(err: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::Internal, format!("demo plumbing failed: {err}"))
}

async fn run() -> Result<Vec<Row>, Error> {
    let server = DevServer::start(Config { rotate_refresh_tokens: true, ..Config::default() })
        .await
        .map_err(|e| Error::new(ErrorCode::Internal, format!("pas-devserver did not start: {e}")))?;
    println!("pas-devserver on {} (refresh-token rotation on)", server.base_url());
    let config = discover(server.base_url(), "pas-demo", REDIRECT_URI, Default::default())
        .await?
        .with_request_timeout(Duration::from_secs(2));
    let client = PasClient::new(config.clone())?;
    let cipher = TokenCipher::from_base64_key(&TokenCipher::generate_key())?;
    let cache = Arc::new(MemorySvCache::new());
    let validator =
        SessionValidator::builder(Arc::new(client.clone())).cipher(cipher.clone()).cache(cache.clone()).build();
    let verifier = Verifier::builder(server.issuer(), "pas-demo")
        .profile(pas_core::Profile::Pas)
        .jwks_url(config.jwks_uri().as_str(), Default::default())
        .build()?;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().map_err(internal)?;
    let mut demo = Demo {
        server,
        http,
        config,
        client,
        cipher,
        store: MemoryStore::new(EffectLog::new()),
        cache,
        validator,
        rows: Vec::new(),
    };

    println!("1. alice logs in (PKCE S256, no browser)");
    demo.login("alice", "session-a", &verifier).await?;
    demo.validate("first request (cache empty)", "session-a", "authenticated (sv 1, refreshed at PAS)").await?;
    demo.validate("second request", "session-a", "authenticated (sv 1, from the sv cache)").await?;

    println!("2. break-glass at PAS: alice's sv is bumped; the 60 s cache entry expires");
    demo.control("accounts/alice/bump-sv", serde_json::json!({})).await?;
    demo.cache.clear();
    demo.validate("after break-glass", "session-a", "authenticated (sv 2, refreshed at PAS)").await?;

    println!("3. PAS revokes alice's refresh tokens");
    demo.control("accounts/alice/revoke", serde_json::json!({})).await?;
    demo.cache.clear();
    demo.validate("after revocation", "session-a", "expired (pas_rejected)").await?;

    println!("4. bob logs in; then PAS answers 503");
    demo.login("bob", "session-b", &verifier).await?;
    demo.control("faults", serde_json::json!({"endpoint":"token","count":100,"fault":{"status":503,"retry_after":5}}))
        .await?;
    demo.validate("sv path, PAS 503", "session-b", "expired (pas_unavailable)").await?;
    let stored = demo.store.get("session-b").and_then(|s| s.ciphertext);
    let liveness = match stored {
        Some(ct) => demo.validator.liveness_refresh(&ct).await,
        None => return Err(Error::new(ErrorCode::Internal, "bob's session has no ciphertext")),
    };
    let kept = match &liveness {
        LivenessOutcome::Transient { retry_after, .. } => format!("kept (transient, retry after {retry_after:?})"),
        other => format!("{other:?}"),
    };
    demo.rows.push(Row {
        step: "liveness path, PAS 503",
        decision: kept,
        expected: "kept (transient, retry after Some(5s))".into(),
    });
    demo.validate("no cookie", "", "no_cookie").await?;
    demo.validate("unknown session", "session-x", "expired (session_unknown)").await?;
    demo.server.shutdown();
    Ok(demo.rows)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let rows = match run().await {
        Ok(rows) => rows,
        Err(err) => {
            eprintln!("demo failed: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!();
    println!("{:<30} {:<48} as expected", "step", "pas decided");
    println!("{}", "-".repeat(92));
    let mut mismatches = 0;
    for row in &rows {
        let ok = row.decision == row.expected;
        mismatches += usize::from(!ok);
        let mark = if ok { "yes".to_owned() } else { format!("NO, expected {}", row.expected) };
        println!("{:<30} {:<48} {mark}", row.step, row.decision);
    }
    println!();
    println!("demo: {} passed, {mismatches} failed", rows.len() - mismatches);
    if mismatches == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
