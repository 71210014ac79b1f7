//! The demo's one output format, shared by the five demo programs (Rust, C, Go, Python, Node):
//! one JSON object per step, and the story every program must produce. Kept apart from the story
//! itself so the table (`pas-demo table`) can compare lines it did not make.
//!
//! A line is `{"step","decision","cause","sv","refreshed","retry_after_ms","pas_calls"}`:
//! `decision` is what the library returned (`logged_in` for a login step, `authenticated`,
//! `expired`, `no_cookie`, or a liveness outcome `fresh` / `revoked` / `transient`), `cause` its
//! stable cause code or `null`, `sv` and `refreshed` only for `logged_in` / `authenticated`,
//! `retry_after_ms` only for a liveness outcome, and `pas_calls` the number of calls the token
//! endpoint of pas-devserver received during the step (its `/__control/counters`).

use serde_json::{Value, json};

/// One step's result, as every demo program prints it.
pub fn line(
    step: &str,
    decision: &str,
    cause: Option<&str>,
    sv: Option<i64>,
    refreshed: Option<bool>,
    retry_after_ms: Option<u64>,
    pas_calls: u64,
) -> Value {
    json!({
        "step": step,
        "decision": decision,
        "cause": cause,
        "sv": sv,
        "refreshed": refreshed,
        "retry_after_ms": retry_after_ms,
        "pas_calls": pas_calls,
    })
}

/// The story, step by step, with the decision pas must make (the same in every language):
///
/// 1. `login`: alice logs in (PKCE S256 URL from the library, the devserver's `login_hint`
///    shortcut instead of a browser, code exchange, access token verified through the JWKS,
///    refresh token encrypted into the program's in-memory store with the token's `sv`);
/// 2. `validate`: the cache is empty, so PAS is asked (refresh): Authenticated, sv 1;
/// 3. `validate_cached`: served from the 60 s `sv` cache, no PAS call;
/// 4. `break_glass`: PAS bumps alice's `sv` (`/__control/accounts/alice/bump-sv`), the cache
///    entry is cleared: refresh, Authenticated with the new sv 2;
/// 5. `revoked`: PAS revokes alice's refresh tokens, cache cleared: Expired `pas_rejected`;
/// 6. `login_bob`: bob logs in the same way;
/// 7. `pas_503_sv_path`: every token call answers 503 (`Retry-After: 5`): the fail-closed `sv`
///    check says Expired `pas_unavailable`;
/// 8. `pas_503_liveness`: the fail-open liveness refresh of bob's stored token keeps the session
///    (`transient`, retry after 5 s);
/// 9. `no_cookie`: no session cookie; 10. `unknown_session`: a cookie naming no session.
pub fn expected() -> Vec<Value> {
    vec![
        line("login", "logged_in", None, Some(1), None, None, 1),
        line("validate", "authenticated", None, Some(1), Some(true), None, 1),
        line("validate_cached", "authenticated", None, Some(1), Some(false), None, 0),
        line("break_glass", "authenticated", None, Some(2), Some(true), None, 1),
        line("revoked", "expired", Some("pas_rejected"), None, None, None, 1),
        line("login_bob", "logged_in", None, Some(1), None, None, 1),
        line("pas_503_sv_path", "expired", Some("pas_unavailable"), None, None, None, 1),
        line("pas_503_liveness", "transient", Some("pas_unavailable"), None, None, Some(5000), 1),
        line("no_cookie", "no_cookie", None, None, None, None, 0),
        line("unknown_session", "expired", Some("session_unknown"), None, None, None, 0),
    ]
}

/// What happens in each step, in order (printed above the table).
pub const STEPS: [(&str, &str); 10] = [
    ("login", "alice logs in: PKCE, no browser, code exchange, refresh token encrypted into the store"),
    ("validate", "first request: the sv cache is empty, so PAS is asked (refresh)"),
    ("validate_cached", "second request: served from the 60 s sv cache"),
    ("break_glass", "PAS bumps alice's sv (break-glass), cache entry cleared: refresh, new sv"),
    ("revoked", "PAS revokes alice's refresh tokens, cache entry cleared"),
    ("login_bob", "bob logs in the same way"),
    ("pas_503_sv_path", "PAS answers 503: the fail-closed sv check"),
    ("pas_503_liveness", "PAS answers 503: the fail-open liveness refresh of bob's token"),
    ("no_cookie", "a request without a session cookie"),
    ("unknown_session", "a cookie naming no session"),
];

/// The short text of a line in the table, e.g. `authenticated sv 1 (cache)`.
pub fn cell(v: &Value) -> String {
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("?").to_owned();
    let sv = v.get("sv").and_then(Value::as_i64).map_or_else(|| "?".to_owned(), |n| n.to_string());
    match v.get("decision").and_then(Value::as_str) {
        Some("logged_in") => format!("logged in, sv {sv}"),
        Some("authenticated") => {
            let via = match v.get("refreshed").and_then(Value::as_bool) {
                Some(true) => "PAS",
                Some(false) => "cache",
                None => "?",
            };
            format!("authenticated sv {sv} ({via})")
        }
        Some("expired") => format!("expired: {}", s("cause")),
        Some("no_cookie") => "no cookie".to_owned(),
        Some("transient") => match v.get("retry_after_ms").and_then(Value::as_u64) {
            Some(ms) => format!("kept, {} ({}s)", s("cause"), ms / 1000),
            None => format!("kept, {}", s("cause")),
        },
        Some("fresh") => "kept, fresh".to_owned(),
        Some("revoked") => format!("dropped: {}", s("cause")),
        _ => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_short_and_distinct() {
        let cells: Vec<String> = expected().iter().map(cell).collect();
        assert_eq!(cells[1], "authenticated sv 1 (PAS)");
        assert_eq!(cells[2], "authenticated sv 1 (cache)");
        assert_eq!(cells[4], "expired: pas_rejected");
        assert_eq!(cells[7], "kept, pas_unavailable (5s)");
        assert!(cells.iter().all(|c| c.len() <= 27), "{cells:?}");
        assert_eq!(cell(&json!({"decision": "weird"})), r#"{"decision":"weird"}"#);
    }

    #[test]
    fn every_step_is_described_in_order() {
        let story = expected();
        let names: Vec<&str> = story.iter().map(|v| v["step"].as_str().unwrap_or("")).collect();
        let described: Vec<&str> = STEPS.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, described);
    }

    #[test]
    fn step_names_are_unique() {
        let mut names: Vec<String> = expected().iter().map(|v| v["step"].as_str().unwrap_or("").to_owned()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), expected().len());
    }
}
