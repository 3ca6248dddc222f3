//! The allocator of every program built on this crate (the binary, its
//! benchmarks and tests): mimalloc, with a per-thread count of the bytes a
//! thread holds, so that work on a thread can be given a memory budget
//! ([`Budget`], used by SPARQL evaluations).
//!
//! A harvest allocates and frees millions of small buffers (terms, quads,
//! the bulk loader's keys); with the system allocator that took ~10 % of a
//! harvest's CPU time (BENCHMARKS.md). The count is one thread-local
//! addition per allocation and free.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// mimalloc, counting per thread.
pub struct CountingMimalloc;

#[global_allocator]
static ALLOCATOR: CountingMimalloc = CountingMimalloc;

thread_local! {
    /// Bytes allocated minus bytes freed by this thread since its budget
    /// started (memory freed by another thread stays counted here).
    static HELD: Cell<isize> = const { Cell::new(0) };
    /// The budget of this thread (`isize::MAX`: none).
    static LIMIT: Cell<isize> = const { Cell::new(isize::MAX) };
    /// Most bytes held at once under the current budget.
    static PEAK: Cell<isize> = const { Cell::new(0) };
    /// Set when the budget is exceeded (points into the [`Budget`]'s flag).
    static EXCEEDED: Cell<*const AtomicBool> = const { Cell::new(std::ptr::null()) };
}

#[inline]
fn charge(delta: isize) {
    // `try_with`: thread-local storage is gone while a thread exits.
    let _ = HELD.try_with(|held| {
        let now = held.get().wrapping_add(delta);
        held.set(now);
        if delta > 0 {
            let limit = LIMIT.try_with(Cell::get).unwrap_or(isize::MAX);
            if limit != isize::MAX {
                let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
                if now > limit {
                    let _ = EXCEEDED.try_with(|flag| {
                        let flag = flag.get();
                        if !flag.is_null() {
                            // SAFETY: the pointer is set by `Budget::enter`
                            // from an `Arc<AtomicBool>` that the guard keeps
                            // alive, and cleared when the guard is dropped.
                            unsafe { (*flag).store(true, Ordering::Relaxed) };
                        }
                    });
                }
            }
        }
    });
}

// SAFETY: every method forwards to mimalloc with the same arguments; the
// counting only reads and writes thread-local cells and never allocates.
unsafe impl GlobalAlloc for CountingMimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.alloc(layout) };
        if !p.is_null() {
            charge(layout.size() as isize);
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) };
        if !p.is_null() {
            charge(layout.size() as isize);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        charge(-(layout.size() as isize));
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            charge(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// A memory budget for the work of one thread: when the bytes the thread
/// holds exceed it, [`Budget::exceeded`] turns true (the work is expected
/// to stop itself; the allocator never refuses memory).
#[derive(Debug, Clone)]
pub struct Budget {
    bytes: usize,
    exceeded: Arc<AtomicBool>,
}

impl Budget {
    pub fn new(bytes: usize) -> Self {
        Self {
            bytes,
            exceeded: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether the thread under this budget has held more than it.
    pub fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }

    /// Puts the calling thread under this budget until the guard is dropped.
    pub fn enter(&self) -> BudgetGuard {
        let _ = HELD.try_with(|h| h.set(0));
        let _ = PEAK.try_with(|p| p.set(0));
        let _ = EXCEEDED.try_with(|f| f.set(Arc::as_ptr(&self.exceeded)));
        let _ = LIMIT.try_with(|l| l.set(self.bytes.min(isize::MAX as usize - 1) as isize));
        BudgetGuard {
            _exceeded: self.exceeded.clone(),
        }
    }
}

/// Keeps a thread under a [`Budget`]; dropping it lifts the budget.
pub struct BudgetGuard {
    _exceeded: Arc<AtomicBool>,
}

impl BudgetGuard {
    /// Most bytes the thread held at once under the budget.
    pub fn peak(&self) -> usize {
        PEAK.try_with(Cell::get).unwrap_or(0).max(0) as usize
    }
}

impl Drop for BudgetGuard {
    fn drop(&mut self) {
        let _ = LIMIT.try_with(|l| l.set(isize::MAX));
        let _ = EXCEEDED.try_with(|f| f.set(std::ptr::null()));
    }
}

/// mimalloc's `mi_option_purge_delay` (the same index in its v2 and v3
/// headers; `libmimalloc-sys` has no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// mimalloc's default purge delays (ms): 1,000 in v3 (the one built here),
/// 10 in v2. Any other value means the index is not the purge delay.
const MI_DEFAULT_PURGE_DELAYS: [std::ffi::c_long; 2] = [1_000, 10];
/// The purge delay this program runs with (ms).
pub const PURGE_DELAY_MS: std::ffi::c_long = 60_000;

/// Tunes the allocator; called first thing by the binary and the benches.
///
/// mimalloc returns memory that stays free for a second to the operating
/// system. A harvest frees and allocates the same few hundred MB again every
/// write batch (a few seconds apart: the bulk loader's maps, the batch's
/// quads), so it paid for returning them and for the page faults and page
/// zeroing of getting them back: 5-10 % of a CSW harvest's CPU time
/// (BENCHMARKS.md). With a 60 s delay memory comes back to the system a
/// minute after a harvest's last use of it. `MIMALLOC_PURGE_DELAY` in the
/// environment still decides when set (`-1`: never return memory, a little
/// faster still). Returns the delay in effect.
pub fn tune_allocator() -> std::ffi::c_long {
    // SAFETY: reading and setting a mimalloc option is thread-safe and has
    // no memory-safety preconditions.
    unsafe {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none()
            && MI_DEFAULT_PURGE_DELAYS
                .contains(&libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY))
        {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
        }
        libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option index is the purge delay: its value was one of mimalloc's
    /// defaults, and after tuning it is ours.
    #[test]
    fn the_purge_delay_option_is_found_and_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        assert_eq!(tune_allocator(), PURGE_DELAY_MS);
    }

    /// The budget sees what its thread holds, not what other threads do,
    /// and lifts when the guard goes.
    #[test]
    fn a_budget_trips_on_what_its_thread_holds() {
        let budget = Budget::new(8 << 20);
        let tripped = std::thread::spawn({
            let budget = budget.clone();
            move || {
                let guard = budget.enter();
                let small: Vec<u8> = vec![1; 1 << 20];
                let before = budget.exceeded();
                let big: Vec<u8> = vec![1; 16 << 20];
                let after = budget.exceeded();
                let peak = guard.peak();
                drop((small, big));
                (before, after, peak)
            }
        })
        .join()
        .unwrap();
        assert_eq!((tripped.0, tripped.1), (false, true));
        assert!(tripped.2 >= 17 << 20, "peak {}", tripped.2);
        // Another thread's allocations do not count.
        let other = Budget::new(8 << 20);
        let guard = other.enter();
        std::thread::spawn(|| vec![0u8; 32 << 20].len())
            .join()
            .unwrap();
        assert!(!other.exceeded());
        drop(guard);
    }
}
