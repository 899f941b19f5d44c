//! Per-user admission of chat turns: a rate (turns per minute) and a cap on
//! turns running at once. Both are counted in this replica's memory: they
//! protect the service, not data, so losing them on a restart costs nothing,
//! and reading them costs no database statement.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use todo_core::config::Settings;

use crate::error::ApiError;

/// How often (in admissions) idle users' rate state is dropped.
const PRUNE_EVERY: u32 = 4096;

pub struct TurnLimits {
    rate: Option<DefaultKeyedRateLimiter<String>>,
    max_running: usize,
    running: Arc<Mutex<HashMap<String, usize>>>,
    admissions: AtomicU32,
}

/// Holds one of the user's running-turn slots until dropped.
#[must_use]
pub struct TurnPermit {
    user_id: String,
    running: Option<Arc<Mutex<HashMap<String, usize>>>>,
}

impl TurnLimits {
    pub fn new(settings: &Settings) -> Self {
        let rate = NonZeroU32::new(settings.turns_per_minute)
            .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)));
        Self {
            rate,
            max_running: settings.concurrent_turns_per_user,
            running: Arc::default(),
            admissions: AtomicU32::new(0),
        }
    }

    /// Lets a turn of `user_id` start, or says when to try again.
    pub fn admit(&self, user_id: &str) -> Result<TurnPermit, ApiError> {
        if let Some(rate) = &self.rate {
            let key = user_id.to_owned();
            if let Err(not_until) = rate.check_key(&key) {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                return Err(ApiError::RateLimited {
                    retry_after: wait.max(Duration::from_secs(1)),
                    what: "You are sending messages faster than this service allows; please wait a moment.",
                });
            }
            if self
                .admissions
                .fetch_add(1, Ordering::Relaxed)
                .is_multiple_of(PRUNE_EVERY)
            {
                rate.retain_recent();
                rate.shrink_to_fit();
            }
        }
        if self.max_running == 0 {
            return Ok(TurnPermit {
                user_id: String::new(),
                running: None,
            });
        }
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let count = running.entry(user_id.to_owned()).or_default();
        if *count >= self.max_running {
            return Err(ApiError::RateLimited {
                retry_after: Duration::from_secs(1),
                what: "Another of your messages is still being answered; please wait for it.",
            });
        }
        *count += 1;
        Ok(TurnPermit {
            user_id: user_id.to_owned(),
            running: Some(Arc::clone(&self.running)),
        })
    }
}

impl Drop for TurnPermit {
    fn drop(&mut self) {
        let Some(running) = &self.running else {
            return;
        };
        let mut running = running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = running.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                running.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_minute: u32, concurrent: usize) -> TurnLimits {
        let mut settings = Settings::load_from([("BETTER_AUTH_SECRET", "x".repeat(32))]).unwrap();
        settings.turns_per_minute = per_minute;
        settings.concurrent_turns_per_user = concurrent;
        TurnLimits::new(&settings)
    }

    #[test]
    fn a_burst_beyond_the_rate_is_refused_with_a_wait() {
        let l = limits(3, 0);
        for _ in 0..3 {
            drop(l.admit("ann").unwrap());
        }
        match l.admit("ann") {
            Err(ApiError::RateLimited { retry_after, .. }) => {
                assert!(
                    retry_after >= Duration::from_secs(1) && retry_after <= Duration::from_secs(20)
                )
            }
            other => panic!("expected a refusal, got {:?}", other.err()),
        }
        // Someone else is not affected.
        drop(l.admit("bob").unwrap());
    }

    #[test]
    fn running_turns_are_capped_per_user_and_freed_on_drop() {
        let l = limits(0, 2);
        let a = l.admit("ann").unwrap();
        let _b = l.admit("ann").unwrap();
        assert!(l.admit("ann").is_err());
        let _other = l.admit("bob").unwrap();
        drop(a);
        let _c = l.admit("ann").unwrap();
    }

    #[test]
    fn zero_lifts_both() {
        let l = limits(0, 0);
        let permits: Vec<_> = (0..100).map(|_| l.admit("ann").unwrap()).collect();
        assert_eq!(permits.len(), 100);
    }
}
