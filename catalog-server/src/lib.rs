//! The catalog server: configuration, the embedded store with its exact-graph
//! archive, validation, the harvest pipeline, the search index as a follower
//! of the store, export, and HTTP.
//!
//! The top-level modules form layers; a module uses only modules of lower
//! layers (checked by `tests/layering.rs`, see ARCHITECTURE.md):
//!
//! | layer | modules |
//! |---|---|
//! | 3 | [`http`] |
//! | 2 | [`harvest`], [`search_index`], [`export`] |
//! | 1 | [`store`], [`validation`] |
//! | 0 | [`config`], [`contexts`], [`metrics`] |

pub mod config;
pub mod contexts;
pub mod export;
pub mod harvest;
pub mod http;
pub mod metrics;
pub mod search_index;
pub mod store;
pub mod validation;

/// The allocator of every program built on this crate (the binary, its
/// benchmarks and tests): mimalloc. A harvest allocates and frees millions
/// of small buffers (terms, quads, the bulk loader's keys); with the system
/// allocator that took ~10 % of a harvest's CPU time (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
mod allocator_tests {
    /// The option index is the purge delay: its value was one of mimalloc's
    /// defaults, and after tuning it is ours.
    #[test]
    fn the_purge_delay_option_is_found_and_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        assert_eq!(super::tune_allocator(), super::PURGE_DELAY_MS);
    }
}
