//! The HTTP plumbing shared by the token client, discovery and the JWKS cache.
//!
//! One place sets the rules every request to PAS follows: rustls on aws-lc-rs, connect and total
//! timeouts, redirects never followed (a 3xx is a transport failure, D11, and credentials are never
//! re-sent elsewhere, RFC 9700 §4.12), and response bodies read with a hard cap before parsing.

use std::time::Duration;

use crate::error::{Error, ErrorCode};

/// Largest response body pas reads from PAS (D11).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Timeouts of every HTTP request pas makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpOptions {
    /// Time allowed to open the TCP/TLS connection. Default 5 s.
    pub connect_timeout: Duration,
    /// Time allowed for the whole request, body included. Default 10 s.
    pub request_timeout: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self { connect_timeout: Duration::from_secs(5), request_timeout: Duration::from_secs(10) }
    }
}

impl HttpOptions {
    /// Builds the reqwest client these options describe.
    ///
    /// # Errors
    /// `invalid_config` when a timeout is zero or the TLS stack cannot start.
    pub fn build_client(&self) -> Result<reqwest::Client, Error> {
        if self.connect_timeout.is_zero() || self.request_timeout.is_zero() {
            return Err(Error::new(ErrorCode::InvalidConfig, "timeouts must be greater than zero"));
        }
        reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("pas/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| Error::new(ErrorCode::InvalidConfig, "the HTTP client could not be built"))
    }
}

/// A reqwest client that is rebuilt in a forked child process.
///
/// A connection pool created before `fork()` is bound to the parent's runtime, whose threads do
/// not exist in the child; reusing it hangs or fails. Every pas object that talks HTTP holds one
/// of these and asks it for the client per request, which costs a PID read and an `Arc` clone.
#[derive(Debug)]
pub struct HttpClient {
    options: HttpOptions,
    current: std::sync::Mutex<(u32, reqwest::Client)>,
}

impl HttpClient {
    /// Builds the client for `options`.
    ///
    /// # Errors
    /// As [`HttpOptions::build_client`].
    pub fn new(options: HttpOptions) -> Result<Self, Error> {
        let client = options.build_client()?;
        Ok(Self { options, current: std::sync::Mutex::new((std::process::id(), client)) })
    }

    /// The options it was built with.
    #[must_use]
    pub fn options(&self) -> HttpOptions {
        self.options
    }

    /// The client for this process (rebuilt once after a fork).
    pub fn get(&self) -> reqwest::Client {
        let pid = std::process::id();
        let mut current = self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if current.0 != pid
            && let Ok(client) = self.options.build_client()
        {
            *current = (pid, client);
        }
        current.1.clone()
    }
}

/// A response whose body was read in full (within the cap).
#[derive(Debug)]
pub(crate) struct CappedResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
    /// The body was longer than the cap; `body` holds only the first bytes.
    pub truncated: bool,
}

/// Sends a request and reads at most `cap` bytes of the body.
///
/// Transport failures map to `pas_timeout` or `pas_transport`; the detail never contains the URL's
/// query or any body.
pub(crate) async fn send_capped(request: reqwest::RequestBuilder, cap: usize) -> Result<CappedResponse, Error> {
    let mut response = request.send().await.map_err(transport_error)?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    let mut truncated = false;
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > cap {
            let room = cap - body.len();
            body.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(CappedResponse { status, headers, body, truncated })
}

/// Maps a reqwest error to a transport-class pas error without echoing URLs or bodies.
pub(crate) fn transport_error(err: reqwest::Error) -> Error {
    if err.is_timeout() {
        Error::new(ErrorCode::PasTimeout, "request timed out")
    } else if err.is_connect() {
        Error::new(ErrorCode::PasTransport, "connection failed")
    } else if err.is_body() || err.is_decode() {
        Error::new(ErrorCode::PasTransport, "the response body could not be read")
    } else {
        Error::new(ErrorCode::PasTransport, "the request failed")
    }
}

/// Parses `Retry-After` given in seconds (the HTTP-date form is ignored: PAS sends seconds).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}
