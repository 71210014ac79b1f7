//! Server configuration and command-line parsing.

use std::time::Duration;

/// Which `client_id` values the server accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientPolicy {
    /// Only these client ids (exact match).
    List(Vec<String>),
    /// Any non-empty client id (`--client-id '*'`).
    Any,
}

impl ClientPolicy {
    pub fn allows(&self, client_id: &str) -> bool {
        match self {
            ClientPolicy::Any => !client_id.is_empty(),
            ClientPolicy::List(l) => l.iter().any(|c| c == client_id),
        }
    }
}

/// Which `redirect_uri` values the server accepts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RedirectPolicy {
    /// Exact-match allow-list.
    pub exact: Vec<String>,
    /// Also accept any `http://127.0.0.1:*`, `http://localhost:*` or `http://[::1]:*` URI
    /// (any port and path, no fragment).
    pub any_loopback: bool,
}

impl RedirectPolicy {
    pub fn allows(&self, uri: &str) -> bool {
        if self.exact.iter().any(|u| u == uri) {
            return true;
        }
        if !self.any_loopback {
            return false;
        }
        match url::Url::parse(uri) {
            Ok(u) => {
                u.scheme() == "http"
                    && u.fragment().is_none()
                    && u.username().is_empty()
                    && u.password().is_none()
                    && matches!(u.host_str(), Some("127.0.0.1") | Some("localhost") | Some("[::1]"))
            }
            Err(_) => false,
        }
    }
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// TCP port on 127.0.0.1; 0 picks an ephemeral port.
    pub port: u16,
    /// Makes signing keys, tokens and ids reproducible.
    pub seed: Option<u64>,
    pub clients: ClientPolicy,
    pub redirects: RedirectPolicy,
    /// Refresh-token rotation with reuse detection (changeable at run time).
    pub rotate_refresh_tokens: bool,
    pub access_token_ttl: Duration,
    pub code_ttl: Duration,
    /// `max-age` of the JWKS `Cache-Control` header.
    pub jwks_max_age: Duration,
    /// Issuer override; default is the base URL `http://127.0.0.1:PORT`.
    pub issuer: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            port: 0,
            seed: None,
            clients: ClientPolicy::List(vec!["pas-demo".to_owned()]),
            redirects: RedirectPolicy { exact: Vec::new(), any_loopback: true },
            rotate_refresh_tokens: false,
            access_token_ttl: Duration::from_secs(300),
            code_ttl: Duration::from_secs(60),
            jwks_max_age: Duration::from_secs(300),
            issuer: None,
        }
    }
}

/// Help text for the binary.
pub const USAGE: &str = "\
pas-devserver: a local PAS authorization server for tests (binds 127.0.0.1 only)

USAGE: pas-devserver [OPTIONS]

OPTIONS:
  --port <N>                  TCP port on 127.0.0.1 (default 0 = ephemeral)
  --seed <u64>                reproducible signing keys, tokens and ids
  --client-id <ID>            accepted client id; repeatable; '*' = any (default: pas-demo)
  --redirect-uri <URI>        exact redirect URI allow-list entry; repeatable;
                              the word 'loopback' allows any http loopback URI
                              (default when no --redirect-uri is given: loopback)
  --rotate-refresh-tokens     rotate refresh tokens with reuse detection
  --access-token-ttl <SECS>   access-token lifetime (default 300)
  --code-ttl <SECS>           authorization-code lifetime (default 60)
  --jwks-max-age <SECS>       JWKS Cache-Control max-age (default 300)
  --issuer <URL>              issuer override (default: the base URL)
  -h, --help                  this text

When ready, prints one line on stdout:
  PAS_DEVSERVER_READY {\"base_url\":...,\"control_url\":...,\"issuer\":...,\"pid\":...}
";

/// Outcome of parsing the command line.
#[derive(Debug)]
pub enum Parsed {
    Run(Box<Config>),
    Help,
}

fn value<I: Iterator<Item = String>>(flag: &str, inline: Option<String>, it: &mut I) -> Result<String, String> {
    match inline {
        Some(v) => Ok(v),
        None => it.next().ok_or_else(|| format!("{flag} needs a value")),
    }
}

fn num<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse().map_err(|_| format!("{flag}: invalid number {v:?}"))
}

/// Parses arguments (without the program name).
pub fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Parsed, String> {
    let mut cfg = Config::default();
    let mut clients: Vec<String> = Vec::new();
    let mut any_client = false;
    let mut redirect_given = false;
    cfg.redirects.any_loopback = false;
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--port" => cfg.port = num(&flag, &value(&flag, inline, &mut it)?)?,
            "--seed" => cfg.seed = Some(num(&flag, &value(&flag, inline, &mut it)?)?),
            "--client-id" => {
                let v = value(&flag, inline, &mut it)?;
                if v == "*" {
                    any_client = true;
                } else if v.is_empty() {
                    return Err("--client-id must not be empty".into());
                } else {
                    clients.push(v);
                }
            }
            "--redirect-uri" => {
                redirect_given = true;
                let v = value(&flag, inline, &mut it)?;
                if v == "loopback" {
                    cfg.redirects.any_loopback = true;
                } else {
                    url::Url::parse(&v).map_err(|e| format!("--redirect-uri {v:?}: {e}"))?;
                    cfg.redirects.exact.push(v);
                }
            }
            "--rotate-refresh-tokens" => {
                cfg.rotate_refresh_tokens = match inline.as_deref() {
                    None | Some("true") => true,
                    Some("false") => false,
                    Some(o) => return Err(format!("--rotate-refresh-tokens={o}: use true|false")),
                }
            }
            "--access-token-ttl" => {
                cfg.access_token_ttl = Duration::from_secs(num(&flag, &value(&flag, inline, &mut it)?)?)
            }
            "--code-ttl" => cfg.code_ttl = Duration::from_secs(num(&flag, &value(&flag, inline, &mut it)?)?),
            "--jwks-max-age" => cfg.jwks_max_age = Duration::from_secs(num(&flag, &value(&flag, inline, &mut it)?)?),
            "--issuer" => cfg.issuer = Some(value(&flag, inline, &mut it)?),
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    if !redirect_given {
        cfg.redirects.any_loopback = true;
    }
    cfg.clients = if any_client {
        ClientPolicy::Any
    } else if clients.is_empty() {
        ClientPolicy::List(vec!["pas-demo".to_owned()])
    } else {
        ClientPolicy::List(clients)
    };
    Ok(Parsed::Run(Box::new(cfg)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Config {
        match parse_args(args.iter().map(|s| s.to_string())).unwrap() {
            Parsed::Run(c) => *c,
            Parsed::Help => panic!("help"),
        }
    }

    #[test]
    fn defaults() {
        let c = run(&[]);
        assert_eq!(c.port, 0);
        assert!(c.clients.allows("pas-demo"));
        assert!(!c.clients.allows("other"));
        assert!(c.redirects.allows("http://127.0.0.1:8765/cb"));
        assert!(c.redirects.allows("http://localhost/cb"));
        assert!(!c.redirects.allows("https://evil.example/cb"));
        assert_eq!(c.access_token_ttl, Duration::from_secs(300));
    }

    #[test]
    fn flags() {
        let c = run(&[
            "--port=4000",
            "--seed",
            "42",
            "--client-id",
            "a",
            "--client-id",
            "b",
            "--redirect-uri",
            "http://127.0.0.1:9/cb",
            "--rotate-refresh-tokens",
            "--access-token-ttl",
            "5",
            "--issuer",
            "https://accounts.example",
        ]);
        assert_eq!(c.port, 4000);
        assert_eq!(c.seed, Some(42));
        assert!(c.clients.allows("a") && c.clients.allows("b") && !c.clients.allows("pas-demo"));
        assert!(c.redirects.allows("http://127.0.0.1:9/cb"));
        assert!(!c.redirects.allows("http://127.0.0.1:10/cb"));
        assert!(c.rotate_refresh_tokens);
        assert_eq!(c.access_token_ttl, Duration::from_secs(5));
        assert_eq!(c.issuer.as_deref(), Some("https://accounts.example"));
        assert!(run(&["--client-id", "*"]).clients.allows("anything"));
        assert!(parse_args(["--bogus".to_string()]).is_err());
    }
}
