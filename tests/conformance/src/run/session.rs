//! Runs one `session.json` row: a fresh world (scripted PAS, memory store, recording cache, one
//! effect log), then each step through pas-core's own async driver.

use std::sync::Arc;

use pas_core::EncryptedRefreshToken;
use pas_core::session::{SessionValidator, Validation};
use pas_core::testing::{EffectLog, MemorySession, MemoryStore, RecordingCache, ScriptedPas, StoreFaults};
use serde_json::{Value, json};

use super::{key_ring, script_answer};

struct World {
    log: EffectLog,
    pas: Arc<ScriptedPas>,
    store: MemoryStore,
    cache: Arc<RecordingCache>,
    validator: SessionValidator,
}

fn world(given: &Value) -> Result<World, String> {
    let log = EffectLog::new();
    let pas = Arc::new(ScriptedPas::with_log(log.clone()));
    let store = MemoryStore::new(log.clone());
    let cache = Arc::new(RecordingCache::new(log.clone()));
    for (id, session) in given["sessions"].as_object().ok_or("`given.sessions` is not an object")? {
        store.insert(
            id,
            MemorySession {
                ppnum_id: session["ppnum_id"].as_str().unwrap_or_default().to_owned(),
                sv: session["sv"].as_i64(),
                ciphertext: session["ciphertext"].as_str().map(EncryptedRefreshToken::from_stored),
            },
        );
    }
    for (key, sv) in given["cache"].as_object().into_iter().flatten() {
        cache.seed(key, sv.as_i64().ok_or("cache values are integers")?);
    }
    let faults = &given["store_faults"];
    store.set_faults(StoreFaults {
        fail_find_call: faults["fail_find_call"].as_u64().and_then(|n| usize::try_from(n).ok()),
        fail_ciphertext: faults["fail_ciphertext"].as_bool().unwrap_or(false),
        fail_persist: faults["fail_persist"].as_bool().unwrap_or(false),
        vanish_after_persist: faults["vanish_after_persist"].as_bool().unwrap_or(false),
    });
    cache.set_fail_load(given["cache_fails_load"].as_bool().unwrap_or(false));
    let mut builder = SessionValidator::builder(pas.clone()).cache(cache.clone());
    if !given["cipher_keys"].is_null() {
        builder = builder.cipher(key_ring(&given["cipher_keys"])?.map_err(|e| format!("key ring: {}", e.code()))?);
    }
    Ok(World { log, pas, store, cache, validator: builder.build() })
}

/// The row's actual value: `{"steps": [<actual of each step>]}`, compared with the row's
/// `{"steps": [<expect of each step>]}`.
pub async fn run_case(case: &Value) -> Result<Value, String> {
    let w = world(&case["given"])?;
    let mut steps = Vec::new();
    for (index, step) in case["steps"].as_array().ok_or("`steps` is not an array")?.iter().enumerate() {
        if step["clear_cache_before"].as_bool().unwrap_or(false) {
            w.cache.clear();
        }
        for answer in step["pas"].as_array().into_iter().flatten() {
            script_answer(&w.pas, answer)?;
        }
        let calls_before = w.pas.call_count();
        let session_id = step["session_id"].as_str();
        let (decision, cause, sv, refreshed) = match w.validator.validate(&w.store, session_id).await {
            Ok(Validation::NoCookie) => ("no_cookie", None, None, None),
            Ok(Validation::Expired(cause)) => ("expired", Some(cause.as_str()), None, None),
            Ok(Validation::Authenticated { sv, refreshed, .. }) => ("authenticated", None, Some(sv), Some(refreshed)),
            Err(err) => ("error", Some(err.code().as_str()), None, None),
        };
        let mut cache = serde_json::Map::new();
        for key in case["expect"]["steps"][index]["cache"].as_object().into_iter().flatten().map(|(k, _)| k) {
            cache.insert(key.clone(), json!(w.cache.peek(key)));
        }
        let session_sv = session_id.and_then(|id| w.store.get(id)).and_then(|s| s.sv);
        steps.push(json!({
            "decision": decision, "cause": cause, "sv": sv, "refreshed": refreshed,
            "effects": w.log.take(), "pas_calls": w.pas.call_count() - calls_before,
            "cache": cache, "session_sv": session_sv,
        }));
    }
    Ok(json!({ "steps": steps }))
}
