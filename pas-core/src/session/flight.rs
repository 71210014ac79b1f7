//! Single flight for the PAS-refresh effect (D6, D17).
//!
//! Concurrent refreshes of one session share one PAS call and its outcome, whichever driver
//! asked. A rotated outcome is also kept for a short window, so a check that read the old
//! ciphertext just before another check persisted the rotated one gets the shared outcome instead
//! of sending the old refresh token again (which a rotating PAS treats as reuse and answers by
//! revoking the whole token family). Failed outcomes are dropped at once, so the next check tries
//! PAS afresh.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::OnceCell;
use tokio::time::Instant;

use crate::cipher::EncryptedRefreshToken;
use crate::session::machine::RefreshFeed;

/// How long a rotated outcome is served to checks that still hold the old ciphertext.
const ROTATED_REUSE_WINDOW: Duration = Duration::from_secs(10);

struct Flight {
    ciphertext: EncryptedRefreshToken,
    outcome: OnceCell<RefreshFeed>,
    finished_at: Mutex<Option<Instant>>,
}

/// The in-flight and recently rotated refreshes of one validator, keyed by session id.
#[derive(Default)]
pub(crate) struct RefreshFlights {
    flights: Mutex<HashMap<String, Arc<Flight>>>,
}

impl RefreshFlights {
    /// Runs `refresh` for `session_id` unless an identical refresh is in flight (or rotated
    /// recently), in which case its outcome is shared.
    pub(crate) async fn run<F, Fut>(
        &self,
        session_id: &str,
        ciphertext: &EncryptedRefreshToken,
        refresh: F,
    ) -> RefreshFeed
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = RefreshFeed>,
    {
        let flight = {
            let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            flights.retain(|_, f| {
                f.finished_at
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .is_none_or(|at| now.duration_since(at) < ROTATED_REUSE_WINDOW)
            });
            match flights.get(session_id) {
                Some(f) if f.ciphertext == *ciphertext => Arc::clone(f),
                _ => {
                    let f = Arc::new(Flight {
                        ciphertext: ciphertext.clone(),
                        outcome: OnceCell::new(),
                        finished_at: Mutex::new(None),
                    });
                    flights.insert(session_id.to_owned(), Arc::clone(&f));
                    f
                }
            }
        };
        // If the caller running `refresh` is cancelled, the next waiter runs its own closure.
        let outcome = flight.outcome.get_or_init(refresh).await.clone();
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        if flights.get(session_id).is_some_and(|current| Arc::ptr_eq(current, &flight)) {
            let rotated = matches!(outcome, RefreshFeed::Refreshed { rotated_ciphertext: Some(_), .. });
            if rotated {
                flight.finished_at.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert_with(Instant::now);
            } else {
                flights.remove(session_id);
            }
        }
        outcome
    }
}
