//! Listener and accept loop. The loop is hand-rolled (hyper directly, not `axum::serve`)
//! so that each connection carries a [`ConnKill`] handle: the `drop_connection` fault
//! notifies it and the connection task drops the hyper connection, closing the socket
//! without writing a response.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::config::Config;
use crate::routes::{self, ConnKill, Shared};
use crate::state::AppState;

/// Builds the full router (PAS endpoints + `/__control`).
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/.well-known/openid-configuration", get(routes::discovery))
        .route("/.well-known/jwks.json", get(routes::jwks))
        .route("/oauth/authorize", get(routes::authorize_get).post(routes::authorize_post))
        .route("/oauth/token", axum::routing::post(routes::token))
        .route("/oauth/userinfo", get(routes::userinfo).post(routes::userinfo))
        .nest("/__control", crate::control::router())
        .with_state(state)
}

/// A running server. Dropping it stops accepting connections.
#[derive(Debug)]
pub struct DevServer {
    addr: SocketAddr,
    base_url: String,
    state: Shared,
    task: JoinHandle<()>,
}

impl DevServer {
    /// Binds `127.0.0.1:{config.port}` and starts serving on the current tokio runtime.
    pub async fn start(config: Config) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let state = Arc::new(AppState::new(config, base_url.clone()).map_err(std::io::Error::other)?);
        let app = router(state.clone());
        let task = tokio::spawn(accept_loop(listener, app));
        Ok(Self { addr, base_url, state, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `{base_url}/__control`.
    pub fn control_url(&self) -> String {
        format!("{}/__control", self.base_url)
    }

    /// The `iss` of issued tokens (the base URL unless `--issuer` was given).
    pub fn issuer(&self) -> &str {
        &self.state.issuer
    }

    /// Direct access to the state (same operations as the control API).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The machine-readable ready line (without newline).
    pub fn ready_line(&self) -> String {
        let info = serde_json::json!({
            "base_url": self.base_url,
            "control_url": self.control_url(),
            "issuer": self.state.issuer,
            "pid": std::process::id(),
        });
        format!("PAS_DEVSERVER_READY {info}")
    }

    /// Stops accepting; open connections finish on their own.
    pub fn shutdown(self) {
        self.task.abort();
    }

    /// Waits until the accept loop ends (it only ends on a fatal listener error).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, app: Router) {
    loop {
        let (stream, _peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let handle = ConnKill(kill.clone());
            let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(handle.clone());
                app.clone().oneshot(req)
            });
            let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                res = conn => {
                    if let Err(e) = res {
                        tracing::debug!("connection ended: {e}");
                    }
                }
                () = kill.notified() => {
                    // Dropping `conn` here drops the socket: no response is written.
                    tracing::debug!("connection dropped by fault injection");
                }
            }
        });
    }
}
