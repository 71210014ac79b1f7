//! The verifier, its builder and the JWKS cache.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::ParsedPublicKey;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use url::Url;

use super::claims::{Loose, RawClaims, RawHeader};
use super::jwks::{KeySet, LookupError, ttl_from_cache_control};
use super::{AlgSet, Algorithm, Profile, VerifiedToken};
use crate::error::{Error, ErrorCode};
use crate::http::{HttpClient, HttpOptions, MAX_BODY_BYTES, send_capped};

/// Default clock leeway (D9).
const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
/// Largest clock leeway (D9).
const MAX_LEEWAY: Duration = Duration::from_secs(300);
/// Default token size cap.
const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Allowed range of the token size cap.
const MIN_MAX_TOKEN_BYTES: usize = 256;
const MAX_MAX_TOKEN_BYTES: usize = 256 * 1024;
/// Default and largest minimum interval between JWKS fetches (D8).
const DEFAULT_MIN_REFETCH: Duration = Duration::from_secs(30);
const MAX_MIN_REFETCH: Duration = Duration::from_secs(24 * 3600);
/// Largest token lifetime `exp - iat` (D9).
const MAX_LIFETIME_SECS: u64 = 24 * 3600;
/// Largest signature pas reads (RSA-8192), plus slack for the base64 decoder's estimate.
const MAX_SIG_BYTES: usize = 1024;
const SIG_BUF: usize = MAX_SIG_BYTES + 4;

fn config_error(detail: &'static str) -> Error {
    Error::new(ErrorCode::InvalidConfig, detail)
}

fn err(code: ErrorCode, detail: &'static str) -> Error {
    Error::new(code, detail)
}

/// Where the keys come from, as given to the builder.
#[derive(Clone)]
enum KeySource {
    None,
    Json(String),
    Url(String, HttpOptions),
    Conflict,
}

/// Builds a [`Verifier`]. Setters never fail; every problem is reported by
/// [`VerifierBuilder::build`].
#[derive(Clone)]
pub struct VerifierBuilder {
    issuer: String,
    audience: String,
    algorithms: AlgSet,
    leeway: Duration,
    profile: Profile,
    require_typ: bool,
    max_token_bytes: usize,
    source: KeySource,
    min_refetch_interval: Duration,
    empty_algorithm_list: bool,
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("algorithms", &self.algorithms.to_vec())
            .field("leeway", &self.leeway)
            .field("profile", &self.profile)
            .field("require_typ", &self.require_typ)
            .field("max_token_bytes", &self.max_token_bytes)
            .finish_non_exhaustive()
    }
}

impl VerifierBuilder {
    /// Adds an algorithm to the allow-list (which starts as EdDSA only).
    #[must_use]
    pub fn allow_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithms.insert(algorithm);
        self.empty_algorithm_list = false;
        self
    }

    /// Replaces the allow-list. An empty list is refused by `build` (`invalid_config`).
    #[must_use]
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = AlgSet::default();
        for alg in algorithms {
            self.algorithms.insert(*alg);
        }
        self.empty_algorithm_list = algorithms.is_empty();
        self
    }

    /// Clock leeway for `exp`, `nbf`, `iat`. Default 60 s; 0 to 300 s, else `invalid_config`.
    /// Sub-second parts are dropped.
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The rule set (default [`Profile::Rfc9068`], D14).
    #[must_use]
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Whether `typ` must be `at+jwt` (default `true`). Turn off only for a non-PAS issuer that
    /// does not type its access tokens.
    #[must_use]
    pub fn require_typ(mut self, require: bool) -> Self {
        self.require_typ = require;
        self
    }

    /// Largest accepted token, in bytes, checked before any decoding. Default 8 KiB; 256 B to
    /// 256 KiB, else `invalid_config`.
    #[must_use]
    pub fn max_token_bytes(mut self, max: usize) -> Self {
        self.max_token_bytes = max;
        self
    }

    /// Static keys given as a JWKS document (`{"keys":[...]}`); parsed by `build`
    /// (`jwks_invalid` when it is not a JWKS or holds no usable key). Exclusive with `jwks_url`.
    #[must_use]
    pub fn jwks_json(mut self, jwks: &str) -> Self {
        self.source = match self.source {
            KeySource::None => KeySource::Json(jwks.to_owned()),
            _ => KeySource::Conflict,
        };
        self
    }

    /// Keys fetched from a JWKS URL (lazily, on first use). The URL must be `https`, or `http` to
    /// a loopback host (`127.0.0.0/8`, `::1`, `localhost`); else `invalid_url` from `build`.
    /// Accepts a `&str`, a `String` or a `url::Url`. Exclusive with `jwks_json`.
    #[must_use]
    pub fn jwks_url(mut self, url: impl AsRef<str>, http: HttpOptions) -> Self {
        self.source = match self.source {
            KeySource::None => KeySource::Url(url.as_ref().to_owned(), http),
            _ => KeySource::Conflict,
        };
        self
    }

    /// Smallest interval between two JWKS fetches of this verifier (default 30 s, at most 24 h).
    /// Exists so tests can shorten it.
    #[must_use]
    pub fn min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch_interval = interval;
        self
    }

    /// Checks the configuration and builds the verifier. Never does network I/O.
    ///
    /// # Errors
    /// `invalid_config` (empty issuer or audience, empty allow-list, leeway over 300 s, size cap
    /// out of range, refetch interval over 24 h, no key source or two of them, HTTP client
    /// failure), `invalid_url` (JWKS URL), `jwks_invalid` (static JWKS).
    pub fn build(self) -> Result<Verifier, Error> {
        if self.issuer.is_empty() {
            return Err(config_error("the issuer is empty"));
        }
        if self.audience.is_empty() {
            return Err(config_error("the audience is empty"));
        }
        if self.empty_algorithm_list || self.algorithms.is_empty() {
            return Err(config_error("the algorithm allow-list is empty"));
        }
        if self.leeway > MAX_LEEWAY {
            return Err(config_error("the leeway must be between 0 and 300 seconds"));
        }
        if !(MIN_MAX_TOKEN_BYTES..=MAX_MAX_TOKEN_BYTES).contains(&self.max_token_bytes) {
            return Err(config_error("max_token_bytes must be between 256 and 262144"));
        }
        if self.min_refetch_interval > MAX_MIN_REFETCH {
            return Err(config_error("min_refetch_interval must be at most 24 hours"));
        }
        let (keys, source) = match self.source {
            KeySource::None => {
                return Err(config_error("no key source: call jwks_url or jwks_json"));
            }
            KeySource::Conflict => {
                return Err(config_error("jwks_url and jwks_json are exclusive, set exactly one"));
            }
            KeySource::Json(json) => (Some(Arc::new(KeySet::parse(json.as_bytes(), None)?)), None),
            KeySource::Url(url, http) => {
                let url = parse_jwks_url(&url)?;
                let client = HttpClient::new(http)?;
                (None, Some(Source { url, client, min_refetch_interval: self.min_refetch_interval }))
            }
        };
        Ok(Verifier {
            inner: Arc::new(Inner {
                issuer: Arc::from(self.issuer),
                audience: self.audience.into_boxed_str(),
                algorithms: self.algorithms,
                leeway: self.leeway.as_secs(),
                profile: self.profile,
                require_typ: self.require_typ,
                max_token_bytes: self.max_token_bytes,
                source,
                keys: RwLock::new(keys),
                attempts: AtomicU64::new(0),
                fetch: tokio::sync::Mutex::new(FetchState { last_attempt: None }),
            }),
        })
    }
}

fn parse_jwks_url(raw: &str) -> Result<Url, Error> {
    let url = Url::parse(raw).map_err(|_| Error::new(ErrorCode::InvalidUrl, "the JWKS URL does not parse"))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(Error::new(ErrorCode::InvalidUrl, "the JWKS URL must be https (http only for a loopback host)")),
    }
}

struct Source {
    url: Url,
    client: HttpClient,
    min_refetch_interval: Duration,
}

struct FetchState {
    last_attempt: Option<Instant>,
}

struct Inner {
    issuer: Arc<str>,
    audience: Box<str>,
    algorithms: AlgSet,
    leeway: u64,
    profile: Profile,
    require_typ: bool,
    max_token_bytes: usize,
    source: Option<Source>,
    /// The current key set, swapped whole.
    keys: RwLock<Option<Arc<KeySet>>>,
    /// Completed fetch attempts (success or failure); lets waiters see that a fetch happened.
    attempts: AtomicU64,
    /// Single flight: held for the duration of one fetch.
    fetch: tokio::sync::Mutex<FetchState>,
}

/// Verifies PAS access tokens (RFC 9068 JWTs) against a JWKS. Cheap to clone (one `Arc`);
/// `Send + Sync`; `Debug` shows only the issuer and audience. See the [module docs](super) for
/// every rule and its error code.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("issuer", &self.inner.issuer)
            .field("audience", &self.inner.audience)
            .finish_non_exhaustive()
    }
}

/// The parts of a token known before a key is chosen.
struct Prepared<'t> {
    signing_input: &'t [u8],
    payload: Vec<u8>,
    signature: [u8; SIG_BUF],
    signature_len: usize,
    alg: Algorithm,
    kid: Option<String>,
}

/// Now, in Unix seconds (0 if the clock is before 1970).
fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Verifier {
    /// Starts a builder. `issuer` is compared byte for byte with `iss`; `audience` (the client id)
    /// must be in `aud`.
    pub fn builder(issuer: impl Into<String>, audience: impl Into<String>) -> VerifierBuilder {
        VerifierBuilder {
            issuer: issuer.into(),
            audience: audience.into(),
            algorithms: {
                let mut set = AlgSet::default();
                set.insert(Algorithm::EdDSA);
                set
            },
            leeway: DEFAULT_LEEWAY,
            profile: Profile::default(),
            require_typ: true,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            source: KeySource::None,
            min_refetch_interval: DEFAULT_MIN_REFETCH,
            empty_algorithm_list: false,
        }
    }

    /// The expected issuer.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// The expected audience.
    #[must_use]
    pub fn audience(&self) -> &str {
        &self.inner.audience
    }

    /// The rule set in force.
    #[must_use]
    pub fn profile(&self) -> Profile {
        self.inner.profile
    }

    /// The allowed algorithms.
    #[must_use]
    pub fn algorithms(&self) -> Vec<Algorithm> {
        self.inner.algorithms.to_vec()
    }

    /// Whether a key set is in hand (static, or fetched at least once).
    #[must_use]
    pub fn has_keys(&self) -> bool {
        self.snapshot().is_some()
    }

    /// Fetches the JWKS now (for a URL verifier; a no-op for static keys), ignoring the refetch
    /// interval but sharing a fetch already running.
    ///
    /// # Errors
    /// The fetch failure: `pas_transport` / `pas_timeout`, `jwks_unavailable` (non-2xx, with the
    /// status), `jwks_invalid` (body too large, not a JWKS, no usable key). The previous key set,
    /// if any, stays in use.
    pub async fn prefetch(&self) -> Result<(), Error> {
        let Some(source) = &self.inner.source else {
            return Ok(());
        };
        let mut state = self.inner.fetch.lock().await;
        self.fetch_locked(source, &mut state).await
    }

    /// Verifies a token, fetching the JWKS when needed: first use, TTL expired, or unknown `kid`
    /// (at most one fetch per `min_refetch_interval`, shared by concurrent callers).
    ///
    /// # Errors
    /// A token-class [`Error`]; see the [module docs](super) for the codes.
    pub async fn verify(&self, token: &str) -> Result<VerifiedToken, Error> {
        self.verify_at(token, unix_now()).await
    }

    /// [`Verifier::verify`] with a fixed clock (`now_unix_secs`), for tests and shared vectors.
    ///
    /// # Errors
    /// As [`Verifier::verify`].
    pub async fn verify_at(&self, token: &str, now_unix_secs: u64) -> Result<VerifiedToken, Error> {
        let prepared = self.prepare(token)?;
        let Some(source) = &self.inner.source else {
            return self.verify_with_keys(prepared, self.snapshot(), now_unix_secs);
        };

        let mut observed = self.inner.attempts.load(Ordering::SeqCst);
        let mut keys = self.snapshot();
        match &keys {
            None => {
                self.refresh(source, observed, true).await;
                observed = self.inner.attempts.load(Ordering::SeqCst);
                keys = self.snapshot();
            }
            Some(set) if set.is_stale(Instant::now()) => {
                self.refresh(source, observed, false).await;
                observed = self.inner.attempts.load(Ordering::SeqCst);
                keys = self.snapshot();
            }
            Some(_) => {}
        }
        let Some(set) = keys else {
            return Err(err(ErrorCode::JwksUnavailable, "no key set is available"));
        };
        match set.find(prepared.kid.as_deref(), prepared.alg) {
            Ok(key) => self.finish(prepared, key, now_unix_secs),
            Err(LookupError::Unknown) if prepared.kid.is_some() => {
                self.refresh(source, observed, true).await;
                self.verify_with_keys(prepared, self.snapshot(), now_unix_secs)
            }
            Err(e) => Err(lookup_error(e)),
        }
    }

    /// Verifies a token with the keys in hand, never touching the network. Unknown `kid` →
    /// `kid_unknown`; no key set yet → `jwks_unavailable`.
    ///
    /// # Errors
    /// A token-class [`Error`]; see the [module docs](super) for the codes.
    pub fn verify_cached(&self, token: &str) -> Result<VerifiedToken, Error> {
        self.verify_cached_at(token, unix_now())
    }

    /// [`Verifier::verify_cached`] with a fixed clock (`now_unix_secs`).
    ///
    /// # Errors
    /// As [`Verifier::verify_cached`].
    pub fn verify_cached_at(&self, token: &str, now_unix_secs: u64) -> Result<VerifiedToken, Error> {
        let prepared = self.prepare(token)?;
        self.verify_with_keys(prepared, self.snapshot(), now_unix_secs)
    }

    fn snapshot(&self) -> Option<Arc<KeySet>> {
        match self.inner.keys.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn verify_with_keys(
        &self,
        prepared: Prepared<'_>,
        keys: Option<Arc<KeySet>>,
        now: u64,
    ) -> Result<VerifiedToken, Error> {
        let Some(set) = keys else {
            return Err(err(ErrorCode::JwksUnavailable, "no key set is available"));
        };
        let key = set.find(prepared.kid.as_deref(), prepared.alg).map_err(lookup_error)?;
        self.finish(prepared, key, now)
    }

    /// One fetch, single-flight and rate-limited. `wait`: wait for a running fetch (else, when one
    /// is running, return at once and let the caller use the keys it has).
    async fn refresh(&self, source: &Source, observed: u64, wait: bool) {
        let mut state = if wait {
            self.inner.fetch.lock().await
        } else {
            match self.inner.fetch.try_lock() {
                Ok(state) => state,
                Err(_) => return,
            }
        };
        if self.inner.attempts.load(Ordering::SeqCst) != observed {
            return; // someone fetched while we waited: use their result
        }
        if let Some(last) = state.last_attempt
            && last.elapsed() < source.min_refetch_interval
        {
            return;
        }
        let _ = self.fetch_locked(source, &mut state).await;
    }

    async fn fetch_locked(&self, source: &Source, state: &mut FetchState) -> Result<(), Error> {
        state.last_attempt = Some(Instant::now());
        let result = fetch_jwks(source).await;
        let outcome = match result {
            Ok(set) => {
                tracing::debug!(url = %source.url, keys = set.len(), "JWKS loaded");
                let set = Arc::new(set);
                match self.inner.keys.write() {
                    Ok(mut guard) => *guard = Some(set),
                    Err(poisoned) => *poisoned.into_inner() = Some(set),
                }
                Ok(())
            }
            Err(e) => {
                tracing::warn!(
                    url = %source.url,
                    code = e.code().as_str(),
                    status = e.status(),
                    detail = e.detail(),
                    had_keys = self.has_keys(),
                    "JWKS fetch failed; keeping the previous key set"
                );
                Err(e)
            }
        };
        self.inner.attempts.fetch_add(1, Ordering::SeqCst);
        outcome
    }

    /// Size cap, shape, header rules, `alg`, `typ`, `kid`, and the base64url of every segment:
    /// everything that needs no key, so a malformed token never causes a fetch.
    fn prepare<'t>(&self, token: &'t str) -> Result<Prepared<'t>, Error> {
        let inner = &*self.inner;
        let bytes = token.as_bytes();
        if bytes.len() > inner.max_token_bytes {
            return Err(err(ErrorCode::TokenTooLarge, "the token is larger than the size cap"));
        }
        let malformed = || err(ErrorCode::TokenMalformed, "the token is not a compact JWS");
        let first = bytes.iter().position(|b| *b == b'.').ok_or_else(malformed)?;
        let rest = bytes.get(first + 1..).ok_or_else(malformed)?;
        let second = rest.iter().position(|b| *b == b'.').ok_or_else(malformed)? + first + 1;
        let header_b64 = bytes.get(..first).ok_or_else(malformed)?;
        let payload_b64 = bytes.get(first + 1..second).ok_or_else(malformed)?;
        let signature_b64 = bytes.get(second + 1..).ok_or_else(malformed)?;
        if header_b64.is_empty() || payload_b64.is_empty() || signature_b64.is_empty() || signature_b64.contains(&b'.')
        {
            return Err(malformed());
        }
        let signing_input = bytes.get(..second).ok_or_else(malformed)?;

        let header_json = URL_SAFE_NO_PAD
            .decode(header_b64)
            .map_err(|_| err(ErrorCode::TokenMalformed, "the header is not base64url"))?;
        let header: RawHeader<'_> = serde_json::from_slice(&header_json)
            .map_err(|_| err(ErrorCode::TokenMalformed, "the header is not a JSON object"))?;

        if header.crit {
            return Err(err(ErrorCode::HeaderInvalid, "the crit header is not supported"));
        }
        if header.extra && inner.profile == Profile::Pas {
            return Err(err(ErrorCode::HeaderInvalid, "the header holds a parameter other than typ, alg, kid"));
        }
        let alg = match &header.alg {
            Some(Loose::Str(name)) => Algorithm::from_name(name),
            _ => None,
        };
        let alg = match alg {
            Some(alg) if inner.algorithms.contains(alg) => alg,
            _ => {
                return Err(err(ErrorCode::AlgNotAllowed, "the token's algorithm is not allowed"));
            }
        };
        if inner.require_typ {
            let ok = matches!(&header.typ, Some(Loose::Str(typ)) if typ_is_at_jwt(typ));
            if !ok {
                return Err(err(ErrorCode::TypInvalid, "the token's typ is not at+jwt"));
            }
        }
        let kid = match header.kid {
            None => None,
            Some(Loose::Str(kid)) => Some(kid.into_owned()),
            Some(_) => {
                return Err(err(ErrorCode::TokenMalformed, "the kid header is not a string"));
            }
        };
        let payload = URL_SAFE_NO_PAD
            .decode(payload_b64)
            .map_err(|_| err(ErrorCode::TokenMalformed, "the payload is not base64url"))?;
        if signature_b64.len() > MAX_SIG_BYTES.div_ceil(3) * 4 {
            return Err(err(ErrorCode::SignatureInvalid, "the signature is too long"));
        }
        let mut signature = [0u8; SIG_BUF];
        let signature_len = URL_SAFE_NO_PAD
            .decode_slice(signature_b64, &mut signature)
            .map_err(|_| err(ErrorCode::TokenMalformed, "the signature is not base64url"))?;
        Ok(Prepared { signing_input, payload, signature, signature_len, alg, kid })
    }

    /// Signature, then claims.
    fn finish(&self, prepared: Prepared<'_>, key: &ParsedPublicKey, now: u64) -> Result<VerifiedToken, Error> {
        let inner = &*self.inner;
        let bad_sig = || err(ErrorCode::SignatureInvalid, "the signature is invalid");
        let signature = prepared.signature.get(..prepared.signature_len).ok_or_else(bad_sig)?;
        if matches!(prepared.alg, Algorithm::EdDSA | Algorithm::ES256) && signature.len() != 64 {
            return Err(bad_sig());
        }
        key.verify_sig(prepared.signing_input, signature).map_err(|_| bad_sig())?;

        let claims: RawClaims<'_> = serde_json::from_slice(&prepared.payload)
            .map_err(|_| err(ErrorCode::TokenMalformed, "the payload is not a JSON object"))?;

        // iss
        match &claims.iss {
            Some(Loose::Str(iss)) if **iss == *inner.issuer => {}
            _ => return Err(err(ErrorCode::IssuerInvalid, "the token issuer is invalid")),
        }
        // aud
        let bad_aud = || err(ErrorCode::AudienceInvalid, "the token audience is invalid");
        let audiences: Vec<String> = match claims.aud {
            Some(Loose::Str(aud)) => vec![aud.into_owned()],
            Some(Loose::StrArray(auds)) if !auds.is_empty() => auds.into_iter().map(Cow::into_owned).collect(),
            _ => return Err(bad_aud()),
        };
        if !audiences.iter().any(|a| **a == *inner.audience) {
            return Err(bad_aud());
        }
        // times
        let exp = required_number(claims.exp.as_ref(), "exp")?;
        let iat = required_number(claims.iat.as_ref(), "iat")?;
        let nbf = optional_number(claims.nbf.as_ref(), "nbf")?;
        let leeway = inner.leeway;
        if exp.saturating_add(leeway) <= now {
            return Err(err(ErrorCode::TokenExpired, "the token has expired"));
        }
        let horizon = now.saturating_add(leeway);
        if nbf.is_some_and(|nbf| nbf > horizon) {
            return Err(err(ErrorCode::TokenNotYetValid, "the token is not yet valid"));
        }
        if iat > horizon {
            return Err(err(ErrorCode::IatInFuture, "the token was issued in the future"));
        }
        let lifetime = exp
            .checked_sub(iat)
            .ok_or_else(|| err(ErrorCode::ClaimInvalid, "the token expires before it was issued"))?;
        if lifetime > MAX_LIFETIME_SECS {
            return Err(err(ErrorCode::LifetimeTooLong, "the token lifetime exceeds 24 hours"));
        }
        // identity
        let subject = required_string(claims.sub, "sub")?;
        let client_id = required_string(claims.client_id, "client_id")?;
        let jwt_id = required_string(claims.jti, "jti")?;
        let sv = optional_number(claims.sv.as_ref(), "sv")?
            .map(|v| i64::try_from(v).map_err(|_| invalid_claim("sv")))
            .transpose()?;
        let session_id = optional_string(claims.sid, "sid")?;
        let scopes = optional_string(claims.scope, "scope")?
            .map(|s| s.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        if inner.profile == Profile::Pas && !matches!(&claims.cat, Some(Loose::Str(cat)) if cat == "access") {
            return Err(err(ErrorCode::CategoryInvalid, "the token is not an access token"));
        }

        Ok(VerifiedToken {
            issuer: Arc::clone(&inner.issuer),
            subject,
            audiences,
            client_id,
            jwt_id,
            expires_at: exp,
            issued_at: iat,
            not_before: nbf,
            session_id,
            sv,
            scopes,
            key_id: prepared.kid,
            algorithm: prepared.alg,
        })
    }
}

fn lookup_error(e: LookupError) -> Error {
    match e {
        LookupError::Unknown => err(ErrorCode::KidUnknown, "the token's key is unknown"),
        LookupError::AlgMismatch => err(ErrorCode::AlgNotAllowed, "the token's algorithm does not fit its key"),
    }
}

/// `at+jwt`, case-insensitive, with an optional `application/` prefix (RFC 9068 §2.1).
fn typ_is_at_jwt(typ: &str) -> bool {
    const PREFIX: &str = "application/";
    let bare = match typ.get(..PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(PREFIX) => typ.get(PREFIX.len()..).unwrap_or_default(),
        _ => typ,
    };
    bare.eq_ignore_ascii_case("at+jwt")
}

fn missing_claim(name: &'static str) -> Error {
    Error::new(ErrorCode::ClaimMissing, format!("the `{name}` claim is missing"))
}

fn invalid_claim(name: &'static str) -> Error {
    Error::new(ErrorCode::ClaimInvalid, format!("the `{name}` claim is invalid"))
}

/// A non-negative integer that fits `i64`.
fn number(value: &Loose<'_>, name: &'static str) -> Result<u64, Error> {
    match value {
        Loose::UInt(v) if i64::try_from(*v).is_ok() => Ok(*v),
        _ => Err(invalid_claim(name)),
    }
}

fn required_number(value: Option<&Loose<'_>>, name: &'static str) -> Result<u64, Error> {
    number(value.ok_or_else(|| missing_claim(name))?, name)
}

fn optional_number(value: Option<&Loose<'_>>, name: &'static str) -> Result<Option<u64>, Error> {
    value.map(|v| number(v, name)).transpose()
}

fn required_string(value: Option<Loose<'_>>, name: &'static str) -> Result<String, Error> {
    match value {
        None => Err(missing_claim(name)),
        Some(Loose::Str(s)) if !s.is_empty() => Ok(s.into_owned()),
        Some(_) => Err(invalid_claim(name)),
    }
}

fn optional_string(value: Option<Loose<'_>>, name: &'static str) -> Result<Option<String>, Error> {
    match value {
        None => Ok(None),
        Some(Loose::Str(s)) => Ok(Some(s.into_owned())),
        Some(_) => Err(invalid_claim(name)),
    }
}

/// GET the JWKS (body capped), check the status, parse, and take the TTL from `Cache-Control`.
async fn fetch_jwks(source: &Source) -> Result<KeySet, Error> {
    let request = source
        .client
        .get()
        .get(source.url.clone())
        .header(reqwest::header::ACCEPT, "application/jwk-set+json, application/json");
    let response = send_capped(request, MAX_BODY_BYTES).await?;
    if !(200..300).contains(&response.status) {
        return Err(Error::new(ErrorCode::JwksUnavailable, "the JWKS endpoint answered with an error")
            .with_status(response.status));
    }
    if response.truncated {
        return Err(Error::new(ErrorCode::JwksInvalid, "the JWKS is larger than the body cap"));
    }
    let ttl = ttl_from_cache_control(
        response.headers.get_all(reqwest::header::CACHE_CONTROL).iter().filter_map(|v| v.to_str().ok()),
    );
    KeySet::parse(&response.body, Some(ttl))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typ_rule() {
        for ok in ["at+jwt", "AT+JWT", "application/at+jwt", "Application/At+Jwt"] {
            assert!(typ_is_at_jwt(ok), "{ok}");
        }
        for bad in ["JWT", "jwt", "dpop+jwt", "application/", "", "at+jwt ", "application/jwt", "x/at+jwt"] {
            assert!(!typ_is_at_jwt(bad), "{bad}");
        }
    }

    #[test]
    fn jwks_url_rule() {
        assert!(parse_jwks_url("https://pas.example/.well-known/jwks.json").is_ok());
        assert!(parse_jwks_url("http://127.0.0.1:8080/jwks").is_ok());
        assert!(parse_jwks_url("http://[::1]/jwks").is_ok());
        assert!(parse_jwks_url("http://localhost/jwks").is_ok());
        for bad in ["http://pas.example/jwks", "ftp://127.0.0.1/", "not a url", "file:///etc/passwd"] {
            assert_eq!(parse_jwks_url(bad).map_err(|e| e.code()).err(), Some(ErrorCode::InvalidUrl), "{bad}");
        }
    }

    #[test]
    fn verifier_is_send_sync_clone() {
        fn assert_traits<T: Send + Sync + Clone + fmt::Debug>() {}
        assert_traits::<Verifier>();
        assert_traits::<VerifiedToken>();
    }
}
