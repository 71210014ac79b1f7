//! The token client, discovery and their classifier against real HTTP servers on 127.0.0.1
//! (security-testing.md §2.5: T01-T07; pas-reference.md §6-§7: D7, D10, D11, D12).

// Helpers outside #[test] fns are test code too (clippy.toml allows unwrap/expect/panic in tests).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use pas_core::http::HttpOptions;
use pas_core::oauth::{PasClient, PasConfig, discover};
use pas_core::{Error, ErrorCode, PasFailure, PasPort, SecretString, TokenResponse};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://127.0.0.1:4000/callback?app=1";

/// What the scripted server saw.
#[derive(Clone, Debug)]
struct Seen {
    content_type: Option<String>,
    accept: Option<String>,
    form: Vec<(String, String)>,
}

impl Seen {
    fn fields(&self) -> HashMap<String, String> {
        let map: HashMap<String, String> = self.form.iter().cloned().collect();
        assert_eq!(map.len(), self.form.len(), "duplicate form fields: {:?}", self.form);
        map
    }
}

async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    addr
}

struct Pas {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Pas {
    /// A PAS whose token endpoint answers every request with `reply()`.
    async fn start<F>(reply: F) -> Pas
    where
        F: Fn() -> Response + Clone + Send + Sync + 'static,
    {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let log = seen.clone();
        let router = Router::new().route(
            "/oauth/token",
            post(move |headers: HeaderMap, body: Bytes| {
                let log = log.clone();
                let reply = reply.clone();
                async move {
                    let h = |n: header::HeaderName| headers.get(n).map(|v| v.to_str().unwrap().to_owned());
                    log.lock().unwrap().push(Seen {
                        content_type: h(header::CONTENT_TYPE),
                        accept: h(header::ACCEPT),
                        form: url::form_urlencoded::parse(&body).into_owned().collect(),
                    });
                    reply()
                }
            }),
        );
        Pas { addr: serve(router).await, seen }
    }

    fn client(&self) -> PasClient {
        client_for(self.addr, Duration::from_secs(5))
    }

    fn only_request(&self) -> Seen {
        let seen = self.seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "expected exactly one request");
        seen[0].clone()
    }
}

fn client_for(addr: SocketAddr, timeout: Duration) -> PasClient {
    let config = PasConfig::new("client-1", REDIRECT, format!("http://{addr}"))
        .unwrap()
        .with_request_timeout(timeout)
        .with_connect_timeout(Duration::from_secs(2));
    PasClient::new(config).unwrap()
}

fn json(status: u16, body: &str) -> Response {
    (StatusCode::from_u16(status).unwrap(), [(header::CONTENT_TYPE, "application/json")], body.to_owned())
        .into_response()
}

fn with_header(mut r: Response, name: header::HeaderName, value: &'static str) -> Response {
    r.headers_mut().insert(name, HeaderValue::from_static(value));
    r
}

async fn refresh_with(reply: Response) -> PasFailure {
    let reply = Arc::new(Mutex::new(Some(reply)));
    let pas = Pas::start(move || reply.lock().unwrap().take().unwrap()).await;
    pas.client().refresh(&SecretString::new("rt-1")).await.unwrap_err()
}

// ---------------------------------------------------------------- success

#[tokio::test]
async fn exchange_code_success_sends_the_exact_form() {
    let pas = Pas::start(|| {
        json(
            200,
            r#"{"access_token":"at-1","token_type":"Bearer","expires_in":300,
                "refresh_token":"rt-new","scope":"openid profile","id_token":"idt",
                "unknown":{"nested":[1,2]},"session_version":7}"#,
        )
    })
    .await;
    let tokens = pas.client().exchange_code("code/with+chars=&", VERIFIER).await.unwrap();
    assert_eq!(tokens.access_token.expose(), "at-1");
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, Some(300));
    assert_eq!(tokens.refresh_token.as_ref().unwrap().expose(), "rt-new");
    assert_eq!(tokens.scope.as_deref(), Some("openid profile"));
    assert_eq!(tokens.id_token.as_ref().unwrap().expose(), "idt");

    let seen = pas.only_request();
    assert_eq!(seen.content_type.as_deref(), Some("application/x-www-form-urlencoded"));
    assert_eq!(seen.accept.as_deref(), Some("application/json"));
    let f = seen.fields();
    assert_eq!(f.len(), 5, "{f:?}");
    assert_eq!(f["grant_type"], "authorization_code");
    assert_eq!(f["code"], "code/with+chars=&");
    assert_eq!(f["redirect_uri"], REDIRECT);
    assert_eq!(f["client_id"], "client-1");
    assert_eq!(f["code_verifier"], VERIFIER);
}

#[tokio::test]
async fn redirect_uri_at_token_endpoint_equals_the_authorization_request_one() {
    let pas = Pas::start(|| json(200, r#"{"access_token":"a","token_type":"bearer"}"#)).await;
    let client = pas.client();
    let req = client.config().authorization_request().unwrap();
    client.exchange_code("c", req.code_verifier.expose()).await.unwrap();
    let sent_at_authorize: String =
        req.url.query_pairs().find(|(k, _)| k == "redirect_uri").map(|(_, v)| v.into_owned()).unwrap();
    assert_eq!(pas.only_request().fields()["redirect_uri"], sent_at_authorize);
}

#[tokio::test]
async fn refresh_success_with_and_without_refresh_token() {
    for (body, rotated) in [
        (r#"{"access_token":"at-2","token_type":"bearer","expires_in":0,"x":true}"#, None),
        (r#"{"access_token":"at-2","token_type":"BEARER","refresh_token":null,"scope":null}"#, None),
        (r#"{"access_token":"at-2","token_type":"Bearer","refresh_token":"rt-2"}"#, Some("rt-2")),
    ] {
        let pas = Pas::start(move || json(200, body)).await;
        let tokens = pas.client().refresh(&SecretString::new("rt-1")).await.unwrap();
        assert_eq!(tokens.access_token.expose(), "at-2");
        assert_eq!(tokens.refresh_token.as_ref().map(SecretString::expose), rotated);
        let seen = pas.only_request();
        assert_eq!(seen.content_type.as_deref(), Some("application/x-www-form-urlencoded"));
        let f = seen.fields();
        assert_eq!(f.len(), 3, "{f:?}");
        assert_eq!(f["grant_type"], "refresh_token");
        assert_eq!(f["refresh_token"], "rt-1");
        assert_eq!(f["client_id"], "client-1");
    }
}

#[tokio::test]
async fn any_2xx_is_success_and_the_port_trait_works() {
    let pas = Pas::start(|| json(201, r#"{"access_token":"at","token_type":"Bearer"}"#)).await;
    let port: Arc<dyn PasPort> = Arc::new(pas.client());
    let tokens = port.refresh(&SecretString::new("rt")).await.unwrap();
    assert_eq!(tokens.access_token.expose(), "at");
    assert_eq!(tokens.expires_in, None);
}

// ---------------------------------------------------------------- 4xx, 5xx

#[tokio::test]
async fn invalid_grant_is_rejected_with_the_oauth_code() {
    let failure =
        refresh_with(json(400, r#"{"error":"invalid_grant","error_description":"refresh token revoked"}"#)).await;
    assert_eq!(failure, PasFailure::Rejected { status: 400, oauth_error: Some("invalid_grant".into()) });
    let err = Error::from(failure);
    assert_eq!(err.code(), ErrorCode::PasRejected);
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.oauth_error(), Some("invalid_grant"));
    assert!(!err.to_string().contains("revoked"));
}

#[tokio::test]
async fn other_rfc6749_error_codes_are_preserved() {
    for code in ["invalid_request", "unauthorized_client", "unsupported_grant_type", "invalid_scope", "x_custom"] {
        let failure = refresh_with(json(400, &format!(r#"{{"error":"{code}"}}"#))).await;
        assert_eq!(failure, PasFailure::Rejected { status: 400, oauth_error: Some(code.into()) });
    }
}

#[tokio::test]
async fn unauthorized_with_www_authenticate_is_rejected() {
    let reply = with_header(
        json(401, r#"{"error":"invalid_client"}"#),
        header::WWW_AUTHENTICATE,
        r#"Basic realm="pas", error="invalid_client""#,
    );
    assert_eq!(
        refresh_with(reply).await,
        PasFailure::Rejected { status: 401, oauth_error: Some("invalid_client".into()) }
    );
}

#[tokio::test]
async fn error_without_json_or_without_error_member() {
    let plain = (StatusCode::BAD_REQUEST, "Bad Request").into_response();
    assert_eq!(refresh_with(plain).await, PasFailure::Rejected { status: 400, oauth_error: None });
    let no_member = json(400, r#"{"message":"nope"}"#);
    assert_eq!(refresh_with(no_member).await, PasFailure::Rejected { status: 400, oauth_error: None });
    let not_found = StatusCode::NOT_FOUND.into_response();
    let f = refresh_with(not_found).await;
    assert_eq!(f, PasFailure::Rejected { status: 404, oauth_error: None });
    assert_eq!(f.code(), ErrorCode::PasRejected);
}

#[tokio::test]
async fn throttling_is_a_server_error_with_retry_after() {
    for status in [408u16, 429] {
        let reply = with_header(json(status, r#"{"error":"slow_down"}"#), header::RETRY_AFTER, "7");
        let f = refresh_with(reply).await;
        assert_eq!(f, PasFailure::ServerError { status, retry_after: Some(Duration::from_secs(7)) });
        assert_eq!(f.code(), ErrorCode::PasServerError);
        assert_eq!(Error::from(f).retry_after(), Some(Duration::from_secs(7)));
    }
    let f = refresh_with(StatusCode::TOO_MANY_REQUESTS.into_response()).await;
    assert_eq!(f, PasFailure::ServerError { status: 429, retry_after: None });
}

#[tokio::test]
async fn server_errors() {
    let f = refresh_with(json(500, r#"{"error":"server_error"}"#)).await;
    assert_eq!(f, PasFailure::ServerError { status: 500, retry_after: None });

    let html =
        (StatusCode::BAD_GATEWAY, [(header::CONTENT_TYPE, "text/html")], "<html><body>502 Bad Gateway</body></html>")
            .into_response();
    assert_eq!(refresh_with(html).await, PasFailure::ServerError { status: 502, retry_after: None });

    let unavailable = with_header(StatusCode::SERVICE_UNAVAILABLE.into_response(), header::RETRY_AFTER, "30");
    let f = refresh_with(unavailable).await;
    assert_eq!(f, PasFailure::ServerError { status: 503, retry_after: Some(Duration::from_secs(30)) });
    assert_eq!(f.retry_after(), Some(Duration::from_secs(30)));

    // Retry-After is not kept on a definitive rejection.
    let f = refresh_with(with_header(json(400, "{}"), header::RETRY_AFTER, "5")).await;
    assert_eq!(f, PasFailure::Rejected { status: 400, oauth_error: None });
}

// ---------------------------------------------------------------- redirects

#[tokio::test]
async fn redirects_are_never_followed() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let target = serve(Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { json(200, r#"{"access_token":"stolen","token_type":"Bearer"}"#) }
    }))
    .await;
    let location = format!("http://{target}/oauth/token");
    for status in [StatusCode::FOUND, StatusCode::TEMPORARY_REDIRECT, StatusCode::PERMANENT_REDIRECT] {
        let location = location.clone();
        let pas = Pas::start(move || (status, [(header::LOCATION, location.clone())]).into_response()).await;
        let f = pas.client().refresh(&SecretString::new("rt-secret")).await.unwrap_err();
        assert_eq!(f.code(), ErrorCode::PasTransport, "{status}");
        assert!(matches!(f, PasFailure::Transport { .. }));
        let f = pas.client().exchange_code("code", VERIFIER).await.unwrap_err();
        assert_eq!(f.code(), ErrorCode::PasTransport, "{status}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the redirect target was contacted");
}

// ---------------------------------------------------------------- bad 2xx bodies (T01, T02, T07)

#[tokio::test]
async fn malformed_success_bodies_are_bad_responses() {
    let cases: &[(&str, Option<&str>)] = &[
        ("this is not json", Some("application/json")),
        (r#"{"access_token":"at","token_type":"Bea"#, Some("application/json")),
        ("", Some("application/json")),
        ("[]", Some("application/json")),
        (r#""at""#, Some("application/json")),
        (r#"{"access_token":""}"#, Some("application/json")),
        (r#"{"access_token":"","token_type":"Bearer"}"#, Some("application/json")),
        (r#"{"access_token":"at"}"#, Some("application/json")),
        (r#"{"token_type":"Bearer"}"#, Some("application/json")),
        (r#"{"access_token":7,"token_type":"Bearer"}"#, Some("application/json")),
        (r#"{"access_token":"at","token_type":""}"#, Some("application/json")),
        (r#"{"access_token":"at","token_type":"DPoP"}"#, Some("application/json")),
        (r#"{"access_token":"at","token_type":"Bearer","expires_in":"300"}"#, Some("application/json")),
        (r#"{"access_token":"at","token_type":"Bearer","expires_in":-1}"#, Some("application/json")),
        (r#"{"access_token":"at","token_type":"Bearer","expires_in":1.5}"#, Some("application/json")),
        (r#"{"access_token":"at","token_type":"Bearer","refresh_token":5}"#, Some("application/json")),
        (r#"{"access_token":"at","token_type":"Bearer","refresh_token":""}"#, Some("application/json")),
        (r#"{"access_token":"at","token_type":"Bearer","scope":["openid"]}"#, Some("application/json")),
        (r#"{"access_token":"at","token_type":"Bearer","id_token":{}}"#, Some("application/json")),
        (r#"{"access_token":"at","token_type":"Bearer"}"#, Some("text/html")),
        (r#"{"access_token":"at","token_type":"Bearer"}"#, None),
    ];
    for (body, content_type) in cases {
        let mut reply = (StatusCode::OK, (*body).to_owned()).into_response();
        match content_type {
            Some(ct) => {
                reply.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
            }
            None => {
                reply.headers_mut().remove(header::CONTENT_TYPE);
            }
        }
        let f = refresh_with(reply).await;
        assert_eq!(f.code(), ErrorCode::PasBadResponse, "{body} / {content_type:?}: {f:?}");
        assert!(matches!(f, PasFailure::Transport { .. }));
    }
}

#[tokio::test]
async fn body_over_the_cap_is_a_bad_response() {
    let big = format!(r#"{{"access_token":"at","token_type":"Bearer","pad":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
    let f = refresh_with(json(200, &big)).await;
    assert_eq!(f.code(), ErrorCode::PasBadResponse, "{f:?}");

    // Just under the cap is fine.
    let pad = pas_core::MAX_BODY_BYTES - 100;
    let fits = format!(r#"{{"access_token":"at","token_type":"Bearer","pad":"{}"}}"#, "x".repeat(pad));
    assert!(fits.len() <= pas_core::MAX_BODY_BYTES);
    let pas = Pas::start(move || json(200, &fits)).await;
    pas.client().refresh(&SecretString::new("rt")).await.unwrap();
}

#[tokio::test]
async fn oversized_error_body_keeps_the_status_but_not_the_code() {
    let big = format!(r#"{{"error":"invalid_grant","pad":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
    assert_eq!(refresh_with(json(400, &big)).await, PasFailure::Rejected { status: 400, oauth_error: None });
}

// ---------------------------------------------------------------- transport (T05)

#[tokio::test]
async fn slow_handler_times_out_within_the_budget() {
    let router = Router::new().route(
        "/oauth/token",
        post(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            json(200, r#"{"access_token":"at","token_type":"Bearer"}"#)
        }),
    );
    let addr = serve(router).await;
    let timeout = Duration::from_millis(300);
    let client = client_for(addr, timeout);
    let started = Instant::now();
    let f = client.refresh(&SecretString::new("rt")).await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(f.code(), ErrorCode::PasTimeout, "{f:?}");
    assert_eq!(Error::from(f).code(), ErrorCode::PasTimeout);
    assert!(elapsed < timeout + Duration::from_secs(1), "took {elapsed:?}");
    assert!(elapsed >= timeout, "returned before the timeout: {elapsed:?}");
}

#[tokio::test]
async fn stalled_body_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"acc";
                let _ = socket.write_all(head.as_bytes()).await;
                tokio::time::sleep(Duration::from_secs(10)).await;
            });
        }
    });
    let client = client_for(addr, Duration::from_millis(300));
    let started = Instant::now();
    let f = client.refresh(&SecretString::new("rt")).await.unwrap_err();
    assert_eq!(f.code(), ErrorCode::PasTimeout, "{f:?}");
    assert!(started.elapsed() < Duration::from_millis(1300));
}

#[tokio::test]
async fn hanging_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = client_for(addr, Duration::from_millis(300));
    let started = Instant::now();
    let f = client.exchange_code("code", VERIFIER).await.unwrap_err();
    assert_eq!(f.code(), ErrorCode::PasTimeout, "{f:?}");
    assert!(started.elapsed() < Duration::from_millis(1300));
}

#[tokio::test]
async fn connection_refused_is_transport() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let f = client_for(addr, Duration::from_secs(2)).refresh(&SecretString::new("rt")).await.unwrap_err();
    assert_eq!(f.code(), ErrorCode::PasTransport, "{f:?}");
    assert!(matches!(f, PasFailure::Transport { .. }));
}

#[tokio::test]
async fn connection_closed_without_answer_is_transport() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 4096];
            let _ = socket.read(&mut buf).await;
            drop(socket);
        }
    });
    let f = client_for(addr, Duration::from_secs(2)).refresh(&SecretString::new("rt")).await.unwrap_err();
    assert_eq!(f.code(), ErrorCode::PasTransport, "{f:?}");
}

// ---------------------------------------------------------------- no secrets anywhere

#[tokio::test]
async fn no_error_or_value_shows_a_token_code_or_verifier() {
    const RT: &str = "RT-planted-3f9a";
    const CODE: &str = "CODE-planted-77b1";
    const PKCE: &str = "VERIFIERplanted0123456789abcdefghijklmnopqrstuvwxyz";
    const AT: &str = "AT-planted-c0de";
    let secrets = [RT, CODE, PKCE, AT];

    // Every server answer echoes the request (and an access token) back in some form.
    let echo = |status: u16, ct: &'static str| {
        move |body: Bytes| async move {
            let text = String::from_utf8_lossy(&body).into_owned();
            let reply = match ct {
                "json-error" => {
                    serde_json::json!({"error": text, "error_description": text, "access_token": AT}).to_string()
                }
                "json-token-bad" => {
                    serde_json::json!({"access_token": AT, "token_type": "Bearer", "expires_in": text}).to_string()
                }
                _ => format!("<html>{text} {AT}</html>"),
            };
            let mut r = (StatusCode::from_u16(status).unwrap(), reply).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
    };
    let router = Router::new()
        .route("/400/oauth/token", post(echo(400, "json-error")))
        .route("/401/oauth/token", post(echo(401, "html")))
        .route("/500/oauth/token", post(echo(500, "json-error")))
        .route("/200/oauth/token", post(echo(200, "json-token-bad")))
        .route("/200html/oauth/token", post(echo(200, "html")))
        .route(
            "/302/oauth/token",
            post(|body: Bytes| async move {
                let loc = format!("http://127.0.0.1:1/?{}", String::from_utf8_lossy(&body));
                (StatusCode::FOUND, [(header::LOCATION, loc)]).into_response()
            }),
        )
        .route(
            "/ok/oauth/token",
            post(|| async {
                json(
                    200,
                    &format!(
                        r#"{{"access_token":"{AT}","token_type":"Bearer","refresh_token":"{RT}","id_token":"{CODE}"}}"#
                    ),
                )
            }),
        );
    let addr = serve(router).await;

    let mut texts = Vec::new();
    for prefix in ["400", "401", "500", "200", "200html", "302"] {
        let config = PasConfig::new("client-1", REDIRECT, format!("http://{addr}/{prefix}")).unwrap();
        let client = PasClient::new(config).unwrap();
        texts.push(format!("{client:?}"));
        for failure in [
            client.refresh(&SecretString::new(RT)).await.unwrap_err(),
            client.exchange_code(CODE, PKCE).await.unwrap_err(),
        ] {
            let err = Error::from(failure.clone());
            texts.push(format!("{failure} {failure:?} {err} {err:?} {}", err.detail()));
        }
    }
    // Transport failures too.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap();
    drop(dead);
    let f = client_for(dead_addr, Duration::from_secs(1)).refresh(&SecretString::new(RT)).await.unwrap_err();
    texts.push(format!("{f} {f:?} {:?}", Error::from(f.clone())));

    // A success: the tokens are in the value but never in its Debug.
    let config = PasConfig::new("client-1", REDIRECT, format!("http://{addr}/ok")).unwrap();
    let client = PasClient::new(config).unwrap();
    let tokens: TokenResponse = client.exchange_code(CODE, PKCE).await.unwrap();
    assert_eq!(tokens.access_token.expose(), AT);
    texts.push(format!("{tokens:?}"));
    let req = client.config().authorization_request_with(PKCE, "state-1").unwrap();
    texts.push(format!("{req:?}"));

    for text in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} leaked in: {text}");
        }
    }
    // The 400 case must still have produced a Rejected with no (sanitized away) oauth_error.
    assert!(texts.iter().any(|t| t.contains("Rejected") && t.contains("status: 400")));
}

// ---------------------------------------------------------------- config timeouts

#[tokio::test]
async fn zero_timeout_is_invalid_config() {
    let config = PasConfig::new("c", REDIRECT, "https://pas.example").unwrap().with_request_timeout(Duration::ZERO);
    assert_eq!(PasClient::new(config).unwrap_err().code(), ErrorCode::InvalidConfig);
}

// ---------------------------------------------------------------- discovery

async fn discovery_server(doc: impl Fn(String) -> Response + Clone + Send + Sync + 'static) -> String {
    let issuer: Arc<Mutex<String>> = Arc::default();
    let shared = issuer.clone();
    let router = Router::new().route(
        "/pas/.well-known/openid-configuration",
        get(move || {
            let doc = doc.clone();
            let issuer = shared.lock().unwrap().clone();
            async move { doc(issuer) }
        }),
    );
    let addr = serve(router).await;
    let base = format!("http://{addr}/pas");
    *issuer.lock().unwrap() = base.clone();
    base
}

fn discovery_doc(issuer: &str) -> serde_json::Value {
    serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authz"),
        "token_endpoint": format!("{issuer}/tok"),
        "userinfo_endpoint": format!("{issuer}/me"),
        "jwks_uri": format!("{issuer}/keys"),
        "code_challenge_methods_supported": ["S256"],
        "response_types_supported": ["code"],
    })
}

fn fast() -> HttpOptions {
    HttpOptions { connect_timeout: Duration::from_secs(2), request_timeout: Duration::from_secs(2) }
}

#[tokio::test]
async fn discovery_success() {
    let issuer = discovery_server(|iss| json(200, &discovery_doc(&iss).to_string())).await;
    let config = discover(&issuer, "cid", REDIRECT, fast()).await.unwrap();
    assert_eq!(config.issuer(), Some(issuer.as_str()));
    assert_eq!(config.authorization_endpoint().as_str(), format!("{issuer}/authz"));
    assert_eq!(config.token_endpoint().as_str(), format!("{issuer}/tok"));
    assert_eq!(config.userinfo_endpoint().as_str(), format!("{issuer}/me"));
    assert_eq!(config.jwks_uri().as_str(), format!("{issuer}/keys"));
    assert_eq!(config.client_id(), "cid");
    assert_eq!(config.redirect_uri().as_str(), REDIRECT);
    assert_eq!(config.scopes(), ["openid", "profile"]);
    assert_eq!(config.http_options(), fast());

    // Without userinfo_endpoint and S256 list: PAS's layout for userinfo.
    let issuer = discovery_server(|iss| {
        let mut doc = discovery_doc(&iss);
        doc.as_object_mut().unwrap().remove("userinfo_endpoint");
        doc.as_object_mut().unwrap().remove("code_challenge_methods_supported");
        json(200, &doc.to_string())
    })
    .await;
    let config = discover(&issuer, "cid", REDIRECT, fast()).await.unwrap();
    assert_eq!(config.userinfo_endpoint().as_str(), format!("{issuer}/oauth/userinfo"));
}

#[tokio::test]
async fn discovery_failures() {
    type Edit = fn(&str, &mut serde_json::Map<String, serde_json::Value>);
    let edits: Vec<(&str, Edit)> = vec![
        ("issuer mismatch", |iss, d| {
            d.insert("issuer".into(), format!("{iss}/").into());
        }),
        ("issuer missing", |_, d| {
            d.remove("issuer");
        }),
        ("token endpoint missing", |_, d| {
            d.remove("token_endpoint");
        }),
        ("jwks not a string", |_, d| {
            d.insert("jwks_uri".into(), 5.into());
        }),
        ("non-http endpoint", |_, d| {
            d.insert("authorization_endpoint".into(), "javascript:alert(1)".into());
        }),
        ("plain http elsewhere", |_, d| {
            d.insert("token_endpoint".into(), "http://evil.example/token".into());
        }),
        ("no S256", |_, d| {
            d.insert("code_challenge_methods_supported".into(), serde_json::json!(["plain"]));
        }),
    ];
    for (name, edit) in edits {
        let issuer = discovery_server(move |iss| {
            let mut doc = discovery_doc(&iss);
            edit(&iss, doc.as_object_mut().unwrap());
            json(200, &doc.to_string())
        })
        .await;
        let err = discover(&issuer, "cid", REDIRECT, fast()).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::DiscoveryFailed, "{name}: {err}");
    }

    let issuer = discovery_server(|_| json(500, r#"{"error":"server_error"}"#)).await;
    let err = discover(&issuer, "cid", REDIRECT, fast()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::DiscoveryFailed);
    assert_eq!(err.status(), Some(500));

    for bad in ["{not json", "[1,2]", ""] {
        let issuer = discovery_server(move |_| json(200, bad)).await;
        let err = discover(&issuer, "cid", REDIRECT, fast()).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::DiscoveryFailed, "{bad}");
    }

    let issuer =
        discovery_server(|iss| (StatusCode::FOUND, [(header::LOCATION, format!("{iss}/elsewhere"))]).into_response())
            .await;
    let err = discover(&issuer, "cid", REDIRECT, fast()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::DiscoveryFailed);

    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
    let issuer = discovery_server(move |_| json(200, &big)).await;
    let err = discover(&issuer, "cid", REDIRECT, fast()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::DiscoveryFailed);

    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap();
    drop(dead);
    let err = discover(&format!("http://{dead_addr}"), "cid", REDIRECT, fast()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::DiscoveryFailed);
}

#[tokio::test]
async fn discovery_input_errors() {
    let code = |r: pas_core::Result<PasConfig>| r.unwrap_err().code();
    assert_eq!(code(discover("ftp://pas.example", "cid", REDIRECT, fast()).await), ErrorCode::InvalidUrl);
    assert_eq!(code(discover("http://pas.example", "cid", REDIRECT, fast()).await), ErrorCode::InvalidUrl);
    assert_eq!(code(discover("https://pas.example", "", REDIRECT, fast()).await), ErrorCode::InvalidConfig);
    assert_eq!(code(discover("https://pas.example", "cid", "nope", fast()).await), ErrorCode::InvalidUrl);
}

#[tokio::test]
async fn body_of_the_request_is_a_proper_form_for_special_characters() {
    let pas = Pas::start(|| json(200, r#"{"access_token":"a","token_type":"Bearer"}"#)).await;
    let rt = SecretString::new("a b+c&d=e%f/é");
    pas.client().refresh(&rt).await.unwrap();
    assert_eq!(pas.only_request().fields()["refresh_token"], rt.expose());
}

#[allow(dead_code)]
fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}

#[test]
fn client_is_send_sync_clone() {
    assert_send_sync::<PasClient>();
    assert_send_sync::<PasConfig>();
    let _ = Body::empty();
}
