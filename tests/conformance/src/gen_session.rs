//! `session.json`: the fail-closed `sv` check of pas-reference §9.8 and §12, one row per
//! scenario, each with the decision, the cause and the exact ordered effects.
//!
//! Concurrency (scenario 22: sixteen checks, one PAS call) depends on timing, not on input, so
//! each language's own suite tests it; every deterministic scenario is here.

use serde_json::{Value, json};

use crate::gen_cipher::{KEY_A, KEY_B, key_b64, seal};
use crate::keys::b64url;
use crate::vectors::VectorFile;

pub const SID: &str = "session-1";
pub const PPNUM: &str = "01HZX5K3M8Q4N7R2T6V9W0Y1Z2";
pub const RT: &str = "rt-original";

pub fn cache_key() -> String {
    format!("sv:{PPNUM}")
}

/// An access token PAS might return: only its payload matters on the session path (D1).
pub fn access_token(payload: &str) -> String {
    format!("{}.{}.c2lnbmF0dXJl", b64url(r#"{"alg":"EdDSA","typ":"at+jwt"}"#), b64url(payload))
}

/// A refresh answer whose access token carries `"sv": <sv_json>` (raw JSON text).
pub fn refresh_ok(sv_json: &str, rotated: Option<&str>) -> Value {
    let payload = format!(r#"{{"sub":"{PPNUM}","sv":{sv_json}}}"#);
    json!({"refresh_ok": {"access_token": access_token(&payload), "refresh_token": rotated, "expect_refresh_token": null}})
}

pub fn refresh_ok_payload(payload: &str) -> Value {
    json!({"refresh_ok": {"access_token": access_token(payload), "refresh_token": null, "expect_refresh_token": null}})
}

pub fn reject(status: u16) -> Value {
    json!({"reject": {"status": status, "error": "invalid_grant"}})
}

pub fn server_error(status: u16, retry_after: Option<u64>) -> Value {
    json!({"server_error": {"status": status, "retry_after_s": retry_after}})
}

pub fn transport(code: &str) -> Value {
    json!({"transport": code})
}

struct Given {
    sv: Option<i64>,
    ciphertext: Option<String>,
    cipher: bool,
    cache: Option<i64>,
    faults: Value,
    cache_fails_load: bool,
}

impl Given {
    fn session(sv: Option<i64>) -> Result<Self, String> {
        Ok(Self {
            sv,
            ciphertext: Some(seal(&KEY_A, 1, RT)?),
            cipher: true,
            cache: None,
            faults: json!({}),
            cache_fails_load: false,
        })
    }

    fn cached(mut self, sv: i64) -> Self {
        self.cache = Some(sv);
        self
    }

    fn fault(mut self, name: &str, value: Value) -> Self {
        self.faults[name] = value;
        self
    }

    fn to_json(&self) -> Value {
        let mut faults = json!({"fail_find_call": null, "fail_ciphertext": false, "fail_persist": false,
                                "vanish_after_persist": false});
        for (k, v) in self.faults.as_object().into_iter().flatten() {
            faults[k] = v.clone();
        }
        let cache = match self.cache {
            Some(sv) => json!({ cache_key(): sv }),
            None => json!({}),
        };
        json!({
            "cipher_keys": if self.cipher { json!([key_b64(&KEY_A)]) } else { Value::Null },
            "sessions": { SID: {"ppnum_id": PPNUM, "sv": self.sv, "ciphertext": self.ciphertext} },
            "cache": cache,
            "store_faults": faults,
            "cache_fails_load": self.cache_fails_load,
        })
    }
}

/// What one step should produce.
struct Expect {
    decision: &'static str,
    cause: Option<&'static str>,
    sv: Option<i64>,
    refreshed: Option<bool>,
    effects: Vec<String>,
    pas_calls: u32,
    cache: Option<i64>,
    session_sv: Option<i64>,
}

impl Expect {
    fn expired(cause: &'static str, effects: Vec<String>, pas_calls: u32, session_sv: Option<i64>) -> Self {
        Self {
            decision: "expired",
            cause: Some(cause),
            sv: None,
            refreshed: None,
            effects,
            pas_calls,
            cache: None,
            session_sv,
        }
    }

    fn authenticated(sv: i64, refreshed: bool, effects: Vec<String>) -> Self {
        Self {
            decision: "authenticated",
            cause: None,
            sv: Some(sv),
            refreshed: Some(refreshed),
            pas_calls: u32::from(refreshed),
            effects,
            cache: Some(sv),
            session_sv: Some(sv),
        }
    }

    fn cache(mut self, sv: Option<i64>) -> Self {
        self.cache = sv;
        self
    }

    fn to_json(&self) -> Value {
        json!({"decision": self.decision, "cause": self.cause, "sv": self.sv, "refreshed": self.refreshed,
               "effects": self.effects, "pas_calls": self.pas_calls, "cache": { cache_key(): self.cache },
               "session_sv": self.session_sv})
    }
}

fn effects(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// find_session, load_cache, fetch_ciphertext, refresh_at_pas, then `rest`.
fn path(rest: &[&str]) -> Vec<String> {
    effects(&[&["find_session", "load_cache", "fetch_ciphertext", "refresh_at_pas"], rest].concat())
}

/// The effects of a refresh that persisted `sv` and re-fetched the session.
fn refreshed_path(sv: i64, rotated: bool) -> Vec<String> {
    let persist = format!("persist sv={sv}{}", if rotated { " rotated" } else { "" });
    let record = format!("record_cache sv={sv} ttl=60");
    path(&[&persist, &record, "find_session"])
}

struct Rows(Vec<Value>);

impl Rows {
    fn add(&mut self, id: &str, note: &str, given: &Given, steps: Vec<(Option<&str>, bool, Vec<Value>, Expect)>) {
        let inputs: Vec<Value> = steps
            .iter()
            .map(|(sid, clear, pas, _)| json!({"session_id": sid, "clear_cache_before": clear, "pas": pas}))
            .collect();
        let expects: Vec<Value> = steps.iter().map(|(_, _, _, e)| e.to_json()).collect();
        self.0.push(json!({"id": id, "note": note, "given": given.to_json(), "steps": inputs,
                           "expect": {"steps": expects}}));
    }

    /// A one-step row validating `session-1`.
    fn one(&mut self, id: &str, note: &str, given: &Given, pas: Vec<Value>, expect: Expect) {
        self.add(id, note, given, vec![(Some(SID), false, pas, expect)]);
    }
}

pub fn file() -> Result<VectorFile, String> {
    let mut r = Rows(Vec::new());
    let s3 = || Given::session(Some(3));
    let fetch_only = || effects(&["find_session", "load_cache", "fetch_ciphertext"]);

    // ---- pas-reference §12.1 ----
    r.one(
        "S01-pas-rejected",
        "4xx: the refresh token is dead",
        &s3()?,
        vec![reject(400)],
        Expect::expired("pas_rejected", path(&[]), 1, Some(3)),
    );
    r.one(
        "S01-pas-rejected-401",
        "",
        &s3()?,
        vec![reject(401)],
        Expect::expired("pas_rejected", path(&[]), 1, Some(3)),
    );
    r.one(
        "S02-pas-503-fail-closed",
        "S-L6: the sv path fails closed",
        &s3()?,
        vec![server_error(503, Some(5))],
        Expect::expired("pas_unavailable", path(&[]), 1, Some(3)),
    );
    r.one(
        "S02-pas-429-is-unavailable",
        "D12: 429 is transient, not a rejection",
        &s3()?,
        vec![server_error(429, None)],
        Expect::expired("pas_unavailable", path(&[]), 1, Some(3)),
    );
    r.one(
        "S02-pas-408-is-unavailable",
        "D12",
        &s3()?,
        vec![server_error(408, None)],
        Expect::expired("pas_unavailable", path(&[]), 1, Some(3)),
    );
    for code in ["pas_timeout", "pas_transport", "pas_bad_response"] {
        r.one(
            &format!("S03-{code}"),
            "",
            &s3()?,
            vec![transport(code)],
            Expect::expired("pas_unavailable", path(&[]), 1, Some(3)),
        );
    }
    let mut foreign = s3()?;
    foreign.ciphertext = Some(seal(&KEY_B, 2, RT)?);
    r.one(
        "S04-undecryptable-ciphertext",
        "PAS is never called",
        &foreign,
        vec![],
        Expect::expired("decrypt_failed", fetch_only(), 0, Some(3)),
    );
    let mut garbage = s3()?;
    garbage.ciphertext = Some("garbage!".into());
    r.one("S04-garbage-ciphertext", "", &garbage, vec![], Expect::expired("decrypt_failed", fetch_only(), 0, Some(3)));
    r.one(
        "S05-refreshed-token-without-sv",
        "",
        &s3()?,
        vec![refresh_ok_payload(&format!(r#"{{"sub":"{PPNUM}"}}"#))],
        Expect::expired("sv_missing", path(&[]), 1, Some(3)),
    );
    r.one(
        "S06-persist-failure",
        "the cache is left untouched",
        &s3()?.fault("fail_persist", json!(true)),
        vec![refresh_ok("4", None)],
        Expect::expired("persist_failed", path(&["persist sv=4"]), 1, Some(3)),
    );
    r.one(
        "S07-ciphertext-lookup-failure",
        "",
        &s3()?.fault("fail_ciphertext", json!(true)),
        vec![],
        Expect::expired("ciphertext_lookup_failed", fetch_only(), 0, Some(3)),
    );
    r.one(
        "S08-session-gone-on-refetch",
        "logout race",
        &s3()?.fault("vanish_after_persist", json!(true)),
        vec![refresh_ok("4", None)],
        Expect::expired("session_gone", refreshed_path(4, false), 1, None).cache(Some(4)),
    );
    r.one(
        "S09-refresh-persists-caches-refetches",
        "scenario 20: the exact effect order",
        &s3()?,
        vec![refresh_ok("5", None)],
        Expect::authenticated(5, true, refreshed_path(5, false)),
    );
    r.one(
        "S10-stale-cache-refreshes",
        "cached 4 > session 3",
        &s3()?.cached(4),
        vec![refresh_ok("4", None)],
        Expect::authenticated(4, true, refreshed_path(4, false)),
    );
    let mut no_ct = s3()?;
    no_ct.ciphertext = None;
    r.one("S11-no-ciphertext", "", &no_ct, vec![], Expect::expired("ciphertext_missing", fetch_only(), 0, Some(3)));
    let mut no_cipher = s3()?;
    no_cipher.cipher = false;
    r.one(
        "S12-validator-without-cipher",
        "",
        &no_cipher,
        vec![],
        Expect::expired("no_cipher", effects(&["find_session", "load_cache"]), 0, Some(3)),
    );

    // ---- pas-reference §12.2 ----
    let cache_hit = || effects(&["find_session", "load_cache"]);
    r.one("S13-fresh-cache-no-io", "", &s3()?.cached(3), vec![], Expect::authenticated(3, false, cache_hit()));
    let newer = Given::session(Some(7))?.cached(3);
    r.one(
        "S14-session-newer-than-cache",
        "",
        &newer,
        vec![],
        Expect::authenticated(7, false, cache_hit()).cache(Some(3)),
    );
    let mut failing_cache = s3()?.cached(3);
    failing_cache.cache_fails_load = true;
    r.one(
        "S15-cache-error-refreshes",
        "a cache error is Unknown",
        &failing_cache,
        vec![refresh_ok("3", None)],
        Expect::authenticated(3, true, refreshed_path(3, false)),
    );
    r.one(
        "S16-session-without-sv-is-checked",
        "D2",
        &Given::session(None)?.cached(0),
        vec![refresh_ok("2", None)],
        Expect::authenticated(2, true, refreshed_path(2, false)),
    );
    let s1 = || Given::session(Some(1));
    r.one(
        "S17-sv-null",
        "D1",
        &s1()?,
        vec![refresh_ok("null", None)],
        Expect::expired("sv_missing", path(&[]), 1, Some(1)),
    );
    r.one("S17-access-token-not-a-jwt", "", &s1()?,
          vec![json!({"refresh_ok": {"access_token": "opaque-not-a-jwt", "refresh_token": null, "expect_refresh_token": null}})],
          Expect::expired("sv_missing", path(&[]), 1, Some(1)));
    for (id, sv) in [
        ("string", "\"2\""),
        ("float", "2.0"),
        ("negative", "-1"),
        ("bool", "true"),
        ("array", "[2]"),
        ("2-pow-63", "9223372036854775808"),
        ("duplicate", "1,\"sv\":9"),
    ] {
        r.one(
            &format!("S17a-sv-{id}"),
            "D15: not a non-negative integer",
            &s1()?,
            vec![refresh_ok(sv, None)],
            Expect::expired("sv_invalid", path(&[]), 1, Some(1)),
        );
    }
    r.one(
        "S17b-sv-below-session",
        "rollback",
        &Given::session(Some(5))?,
        vec![refresh_ok("4", None)],
        Expect::expired("sv_regressed", path(&[]), 1, Some(5)),
    );
    r.one(
        "S17b-sv-below-cache",
        "",
        &Given::session(Some(2))?.cached(6),
        vec![refresh_ok("5", None)],
        Expect::expired("sv_regressed", path(&[]), 1, Some(2)).cache(Some(6)),
    );
    let mut resend = refresh_ok("4", None);
    resend["refresh_ok"]["expect_refresh_token"] = json!("rt-rotated");
    r.add(
        "S18-rotation-persisted-then-used",
        "the next refresh sends the rotated token",
        &s3()?,
        vec![
            (
                Some(SID),
                false,
                vec![refresh_ok("4", Some("rt-rotated"))],
                Expect::authenticated(4, true, refreshed_path(4, true)),
            ),
            (Some(SID), true, vec![resend], Expect::authenticated(4, true, refreshed_path(4, false))),
        ],
    );
    r.one(
        "S19-same-refresh-token-returned",
        "persist sv only",
        &s3()?,
        vec![refresh_ok("4", Some(RT))],
        Expect::authenticated(4, true, refreshed_path(4, false)),
    );
    let store_error = |effects: Vec<String>, session_sv: Option<i64>, cache: Option<i64>| Expect {
        decision: "error",
        cause: Some("store_failed"),
        sv: None,
        refreshed: None,
        pas_calls: u32::from(cache.is_some()),
        effects,
        cache,
        session_sv,
    };
    r.one(
        "S21-store-error-on-lookup",
        "a store failure is an error, not a decision",
        &s3()?.fault("fail_find_call", json!(1)),
        vec![],
        store_error(effects(&["find_session"]), Some(3), None),
    );
    r.one(
        "S21-store-error-on-refetch",
        "",
        &s3()?.fault("fail_find_call", json!(2)),
        vec![refresh_ok("4", None)],
        store_error(refreshed_path(4, false), Some(4), Some(4)),
    );
    let no_cookie = || Expect {
        decision: "no_cookie",
        cause: None,
        sv: None,
        refreshed: None,
        effects: vec![],
        pas_calls: 0,
        cache: None,
        session_sv: None,
    };
    r.add(
        "S23-no-cookie",
        "",
        &s3()?,
        vec![(None, false, vec![], no_cookie()), (Some(""), false, vec![], no_cookie())],
    );
    r.add(
        "S23-unknown-session",
        "",
        &s3()?,
        vec![(
            Some("no-such-session"),
            false,
            vec![],
            Expect::expired("session_unknown", effects(&["find_session"]), 0, None),
        )],
    );
    r.add(
        "second-validation-served-from-cache",
        "",
        &s3()?,
        vec![
            (Some(SID), false, vec![refresh_ok("3", None)], Expect::authenticated(3, true, refreshed_path(3, false))),
            (Some(SID), false, vec![], Expect::authenticated(3, false, cache_hit())),
        ],
    );
    r.add(
        "break-glass-then-revoked",
        "bump: the cache entry goes, the refresh brings sv 4; then revocation",
        &s3()?.cached(3),
        vec![
            (Some(SID), false, vec![], Expect::authenticated(3, false, cache_hit())),
            (Some(SID), true, vec![refresh_ok("4", None)], Expect::authenticated(4, true, refreshed_path(4, false))),
            (Some(SID), true, vec![reject(400)], Expect::expired("pas_rejected", path(&[]), 1, Some(4))),
        ],
    );
    r.add(
        "failure-is-not-remembered",
        "the next check asks PAS again",
        &s3()?,
        vec![
            (
                Some(SID),
                false,
                vec![server_error(503, None)],
                Expect::expired("pas_unavailable", path(&[]), 1, Some(3)),
            ),
            (Some(SID), false, vec![refresh_ok("3", None)], Expect::authenticated(3, true, refreshed_path(3, false))),
        ],
    );
    Ok(VectorFile::new(
        "session",
        "The fail-closed sv session check (pas-reference §9.8, §12): decision, cause and ordered effects",
        r.0,
    ))
}
