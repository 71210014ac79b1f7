//! The `sv` cache: key format, TTL and the built-in per-process memory cache.
//!
//! The key `sv:{ppnum_id}` and the 60 s TTL are a contract shared with PAS (which may write the
//! key on break-glass) and other services; neither is configurable. Hosts that want one cache
//! across processes (Redis, KVRocks) implement [`SvCache`].

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

/// How long a cached `sv` is trusted (spec-fixed).
pub const SV_CACHE_TTL: Duration = Duration::from_secs(60);

/// The cache key of an account's `sv`.
#[must_use]
pub fn sv_cache_key(ppnum_id: &str) -> String {
    format!("sv:{ppnum_id}")
}

/// A cache backend failure. On load it counts as a miss (Unknown: refresh); on store it is
/// ignored (best effort).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheError(pub String);

impl fmt::Display for CacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sv cache error: {}", self.0)
    }
}

impl std::error::Error for CacheError {}

/// Where validated `sv` values are cached.
#[async_trait]
pub trait SvCache: Send + Sync {
    /// The cached value of `key`, or `None` when absent or expired.
    async fn load(&self, key: &str) -> Result<Option<i64>, CacheError>;
    /// Caches `sv` under `key` for `ttl`.
    async fn store(&self, key: &str, sv: i64, ttl: Duration) -> Result<(), CacheError>;
}

/// The built-in per-process cache: a map with lazy expiry on read.
#[derive(Default)]
pub struct MemorySvCache {
    entries: Mutex<HashMap<String, (i64, Instant)>>,
}

impl fmt::Debug for MemorySvCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.entries.lock().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("MemorySvCache").field("entries", &len).finish()
    }
}

impl MemorySvCache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a value now (synchronous form used by the language bindings).
    #[must_use]
    pub fn get(&self, key: &str) -> Option<i64> {
        let mut map = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match map.get(key) {
            Some(&(sv, expires)) if Instant::now() < expires => Some(sv),
            Some(_) => {
                map.remove(key);
                None
            }
            None => None,
        }
    }

    /// Writes a value now (synchronous form used by the language bindings).
    pub fn set(&self, key: &str, sv: i64, ttl: Duration) {
        let mut map = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > 100_000 {
            let now = Instant::now();
            map.retain(|_, (_, expires)| *expires > now);
        }
        map.insert(key.to_owned(), (sv, Instant::now() + ttl));
    }

    /// Drops every entry (tests and demos: "the cache entry expired").
    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

#[async_trait]
impl SvCache for MemorySvCache {
    async fn load(&self, key: &str) -> Result<Option<i64>, CacheError> {
        Ok(self.get(key))
    }

    async fn store(&self, key: &str, sv: i64, ttl: Duration) -> Result<(), CacheError> {
        self.set(key, sv, ttl);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn entries_expire_after_their_ttl() {
        let cache = MemorySvCache::new();
        cache.store("sv:a", 3, SV_CACHE_TTL).await.unwrap();
        assert_eq!(cache.load("sv:a").await.unwrap(), Some(3));
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(cache.load("sv:a").await.unwrap(), Some(3));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(cache.load("sv:a").await.unwrap(), None);
        assert_eq!(sv_cache_key("01J"), "sv:01J");
    }
}
