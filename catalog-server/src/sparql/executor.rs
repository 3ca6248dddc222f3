//! Where SPARQL evaluations run: on threads of their own, a bounded number at
//! once, a bounded number waiting, each under a memory budget and a time
//! limit.

use crate::alloc::Budget;
use oxigraph::sparql::CancellationToken;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Stack of an evaluation thread: the parser and the evaluator recurse per
/// nesting level (bounded by `sparql.max_nesting`).
const STACK_BYTES: usize = 16 * 1024 * 1024;
/// How often a waiting caller looks at the evaluation's memory.
const WATCH: Duration = Duration::from_millis(10);

/// Too many evaluations running and waiting: come back later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the SPARQL endpoint is busy: {running} queries are running and {queued} waiting (sparql.max_concurrent, sparql.max_queued); try again in a few seconds")]
pub struct Busy {
    pub running: usize,
    pub queued: usize,
}

/// How an evaluation ended.
#[derive(Debug)]
pub enum Outcome<T> {
    /// It finished (with whatever it returned).
    Done(T),
    /// It ran longer than the time limit and was cancelled.
    TimedOut,
    /// It held more memory than its budget and was cancelled.
    OutOfMemory,
    /// Its thread could not be started or ended without an answer.
    Failed(String),
}

/// Runs evaluations on their own threads, at most `max_concurrent` at once,
/// at most `max_queued` waiting for a slot.
pub struct Executor {
    slots: Arc<Semaphore>,
    max_concurrent: usize,
    max_queued: usize,
    queued: AtomicUsize,
}

impl Executor {
    pub fn new(max_concurrent: usize, max_queued: usize) -> Self {
        let max_concurrent = max_concurrent.max(1);
        Self {
            slots: Arc::new(Semaphore::new(max_concurrent)),
            max_concurrent,
            max_queued,
            queued: AtomicUsize::new(0),
        }
    }

    /// Evaluations running now.
    pub fn running(&self) -> usize {
        self.max_concurrent - self.slots.available_permits()
    }

    /// Runs `work` with a cancellation token, on a thread of its own, under
    /// a memory budget of `memory` bytes and a time limit of `timeout` (a
    /// caller that waited that long for a slot gets [`Busy`]).
    /// When either is exceeded the token is cancelled and the caller gets
    /// [`Outcome::TimedOut`] or [`Outcome::OutOfMemory`] at once; the slot
    /// stays taken until `work` has returned, so evaluations that stop late
    /// cannot pile up beyond `max_concurrent`.
    pub async fn run<T: Send + 'static>(
        &self,
        memory: usize,
        timeout: Duration,
        work: impl FnOnce(CancellationToken) -> T + Send + 'static,
    ) -> Result<Outcome<T>, Busy> {
        let permit = match self.slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                let waiting = self.queued.fetch_add(1, Ordering::SeqCst);
                if waiting >= self.max_queued {
                    self.queued.fetch_sub(1, Ordering::SeqCst);
                    return Err(Busy {
                        running: self.running(),
                        queued: waiting,
                    });
                }
                // Waiting counts against the time limit too.
                let acquired =
                    tokio::time::timeout(timeout, self.slots.clone().acquire_owned()).await;
                self.queued.fetch_sub(1, Ordering::SeqCst);
                match acquired {
                    Ok(Ok(p)) => p,
                    Ok(Err(e)) => return Ok(Outcome::Failed(e.to_string())),
                    Err(_) => {
                        return Err(Busy {
                            running: self.running(),
                            queued: self.queued.load(Ordering::SeqCst),
                        })
                    }
                }
            }
        };
        let token = CancellationToken::new();
        let budget = Budget::new(memory);
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("sparql".into())
            .stack_size(STACK_BYTES)
            .spawn({
                let token = token.clone();
                let budget = budget.clone();
                move || {
                    let guard = budget.enter();
                    let result = work(token);
                    drop(guard);
                    let _ = tx.send(result);
                    // The slot is free only now that the work has ended.
                    drop(permit);
                }
            });
        if let Err(e) = spawned {
            return Ok(Outcome::Failed(format!("cannot start a query thread: {e}")));
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            tokio::select! {
                result = &mut rx => {
                    return Ok(match result {
                        Ok(value) if budget.exceeded() => {
                            drop(value);
                            Outcome::OutOfMemory
                        }
                        Ok(value) => Outcome::Done(value),
                        Err(_) => Outcome::Failed("the query thread ended without an answer".into()),
                    });
                }
                _ = tokio::time::sleep_until(deadline) => {
                    token.cancel();
                    return Ok(Outcome::TimedOut);
                }
                _ = tokio::time::sleep(WATCH) => {
                    if budget.exceeded() {
                        token.cancel();
                        return Ok(Outcome::OutOfMemory);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn slots_and_queue_are_bounded_and_held_until_the_work_ends() {
        rt().block_on(async {
            let ex = Arc::new(Executor::new(1, 1));
            let release = Arc::new(AtomicBool::new(false));
            // One running (it ignores cancellation for a while) ...
            let slow = {
                let (ex, release) = (ex.clone(), release.clone());
                tokio::spawn(async move {
                    ex.run(1 << 30, Duration::from_millis(50), move |_| {
                        while !release.load(Ordering::SeqCst) {
                            std::thread::sleep(Duration::from_millis(5));
                        }
                    })
                    .await
                })
            };
            tokio::time::sleep(Duration::from_millis(20)).await;
            // ... one waiting ...
            let waiting = {
                let ex = ex.clone();
                tokio::spawn(async move { ex.run(1 << 30, Duration::from_secs(5), |_| 7).await })
            };
            tokio::time::sleep(Duration::from_millis(20)).await;
            // ... and the next one is turned away.
            let busy = ex.run(1 << 30, Duration::from_secs(5), |_| 0).await;
            assert!(
                matches!(
                    busy,
                    Err(Busy {
                        running: 1,
                        queued: 1
                    })
                ),
                "{busy:?}"
            );
            // The slow one times out, but keeps its slot until it ends.
            assert!(matches!(slow.await.unwrap(), Ok(Outcome::TimedOut)));
            assert_eq!(ex.running(), 1);
            release.store(true, Ordering::SeqCst);
            assert!(matches!(waiting.await.unwrap(), Ok(Outcome::Done(7))));
        });
    }

    #[test]
    fn work_over_its_memory_budget_is_cancelled() {
        rt().block_on(async {
            let ex = Executor::new(2, 0);
            let outcome = ex
                .run(16 << 20, Duration::from_secs(10), |token| {
                    let mut held: Vec<Vec<u8>> = Vec::new();
                    while !token.is_cancelled() && held.len() < 1000 {
                        held.push(vec![1u8; 1 << 20]);
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    held.len()
                })
                .await
                .unwrap();
            assert!(matches!(outcome, Outcome::OutOfMemory), "{outcome:?}");
        });
    }
}
