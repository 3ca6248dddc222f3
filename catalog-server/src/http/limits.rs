//! Limits on what one request may cost: how long its body may take to
//! arrive, how large it may be per endpoint, and how many of the expensive
//! requests (validating an upload, an admin preview) run at once.
//!
//! * **Body time** ([`guard_body_time`], every request): the whole body must
//!   arrive within `http.body_timeout` of the end of the header, else 408 and
//!   the connection is closed. A total deadline, not a pause between chunks:
//!   a client that trickles one byte a second would pass any pause limit.
//! * **Body size** ([`body_limit`], per route): a declared `Content-Length`
//!   over the limit is answered 413 before anything is read; a body that
//!   turns out longer (chunked) is cut off at the limit, likewise 413. The
//!   message names the limit and its setting.
//! * **Slots** ([`Slots`]): at most N of a kind at once; the N+1th is
//!   answered 503 with `Retry-After` at once (never queued). A slot is held
//!   by the work itself, so work that outlives its request (a validation
//!   that timed out but cannot be interrupted) keeps its slot until it ends:
//!   timed-out work cannot pile up.

use super::ApiError;
use crate::config::HttpConfig;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The largest body of an admin `POST` (none of them reads one).
pub const MAX_ADMIN_BODY: u64 = 4 * 1024;

/// The HTTP limits in force (from `[http]`, read at start) and the slots of
/// the expensive endpoints.
#[derive(Debug)]
pub struct HttpLimits {
    pub config: HttpConfig,
    /// Uploads being validated (`POST /api/validate`).
    pub validations: Slots,
    /// Admin previews running (`POST /api/sources/{id}/preview`).
    pub previews: Slots,
    /// The pacing of busy refusals per client address.
    pub refusals: RefusalPacing,
}

impl HttpLimits {
    pub fn new(config: &HttpConfig) -> Self {
        Self {
            config: config.clone(),
            validations: Slots::new(
                "uploads are being validated",
                config.validate_concurrency,
                5,
            ),
            previews: Slots::new("previews are running", config.preview_concurrency, 10),
            // A quarter of the connections at most wait for a refusal, and
            // one client address a quarter of those.
            refusals: RefusalPacing::new(
                (config.max_connections / 4).max(1),
                (config.max_connections / 16).max(1),
            ),
        }
    }
}

impl HttpLimits {
    /// After a reload: the `[http]` settings apply from the next start only;
    /// says so when they changed.
    pub fn warn_if_changed(&self, reloaded: &HttpConfig) {
        if *reloaded != self.config {
            tracing::warn!(
                "the [http] settings changed; they take effect at the next start of serve"
            );
        }
    }
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self::new(&HttpConfig::default())
    }
}

/// At most `n` pieces of work of one kind at once.
#[derive(Debug)]
pub struct Slots {
    what: &'static str,
    n: usize,
    retry_after: u32,
    semaphore: Arc<Semaphore>,
}

/// A taken slot; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot(#[allow(dead_code)] OwnedSemaphorePermit);

impl Slots {
    /// `what` completes "… {n} {what} already" in the 503 answer;
    /// `retry_after` is the `Retry-After` suggested then (seconds).
    pub fn new(what: &'static str, n: usize, retry_after: u32) -> Self {
        Self {
            what,
            n,
            retry_after,
            semaphore: Arc::new(Semaphore::new(n.max(1))),
        }
    }

    /// A free slot, or the refusal (503 with `Retry-After`).
    pub fn try_take(&self) -> Result<Slot, Busy> {
        match self.semaphore.clone().try_acquire_owned() {
            Ok(permit) => Ok(Slot(permit)),
            Err(_) => Err(Busy {
                what: self.what,
                n: self.n,
                retry_after: self.retry_after,
            }),
        }
    }

    /// Slots taken now.
    pub fn taken(&self) -> usize {
        self.n.max(1) - self.semaphore.available_permits()
    }
}

/// Every slot of a kind is taken: answered 503 with `Retry-After`.
#[derive(Debug, Clone, Copy)]
pub struct Busy {
    what: &'static str,
    n: usize,
    retry_after: u32,
}

impl IntoResponse for Busy {
    fn into_response(self) -> Response {
        let mut r = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "busy: {} {} already (the most at once); try again in {} s",
                self.n, self.what, self.retry_after
            ),
        )
        .into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(self.retry_after));
        r
    }
}

/// Pacing of refusals: a client that is refused (503, `Retry-After`) and
/// asks again before the `Retry-After` it was given has passed gets its next
/// refusal only when that time is over. Clients that honour `Retry-After`
/// never wait; clients that ignore it, the usual flood, are slowed to one
/// refusal per `Retry-After` per connection instead of hundreds a second,
/// which otherwise cost the server more than the work it refuses. Only
/// answers that are refusals anyway are delayed. Held refusals are bounded
/// (per client address and in all); beyond the bound a refusal is answered
/// at once and closes the connection.
#[derive(Debug)]
pub struct RefusalPacing {
    /// Client address → when its last refusal was answered.
    last: std::sync::Mutex<HashMap<IpAddr, Instant>>,
    /// Refusals being held, in all and per client address.
    held: Arc<Semaphore>,
    held_by: std::sync::Mutex<HashMap<IpAddr, usize>>,
    per_client: usize,
}

/// Addresses remembered; beyond this the ones whose window has passed are
/// forgotten.
const PACED_ADDRESSES: usize = 10_000;

impl RefusalPacing {
    pub fn new(total: usize, per_client: usize) -> Self {
        Self {
            last: std::sync::Mutex::new(HashMap::new()),
            held: Arc::new(Semaphore::new(total.max(1))),
            held_by: std::sync::Mutex::new(HashMap::new()),
            per_client: per_client.max(1),
        }
    }

    /// How long a refusal with `retry_after` to `client` is to wait, asked
    /// at `now`: until `retry_after` has passed since its last refusal.
    fn wait(&self, client: IpAddr, retry_after: Duration, now: Instant) -> Option<Duration> {
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let since = now.saturating_duration_since(*last.get(&client)?);
        (since < retry_after).then(|| retry_after - since)
    }

    fn answered(&self, client: IpAddr, retry_after: Duration) {
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.len() >= PACED_ADDRESSES {
            last.retain(|_, t| now.saturating_duration_since(*t) < retry_after);
            if last.len() >= PACED_ADDRESSES {
                last.clear();
            }
        }
        last.insert(client, now);
    }

    /// A place to hold one more refusal of `client`, if the bounds allow.
    fn hold(&self, client: IpAddr) -> Option<Held<'_>> {
        {
            let mut by = self.held_by.lock().unwrap_or_else(|e| e.into_inner());
            let n = by.entry(client).or_default();
            if *n >= self.per_client {
                return None;
            }
            *n += 1;
        }
        // Made before the permit is asked for: if there is none, dropping
        // it gives the client's place back.
        let mut held = Held {
            pacing: self,
            client,
            _permit: None,
        };
        held._permit = Some(self.held.clone().try_acquire_owned().ok()?);
        Some(held)
    }

    /// Waits as the client's pacing asks and records the refusal; returns
    /// whether the connection is to be closed. `None` client (no address
    /// known): at once.
    pub async fn pace(&self, client: Option<IpAddr>, retry_after: Duration) -> bool {
        let Some(client) = client else {
            return false;
        };
        let mut close = false;
        if let Some(d) = self.wait(client, retry_after, Instant::now()) {
            match self.hold(client) {
                Some(_held) => tokio::time::sleep(d).await,
                None => close = true,
            }
        }
        self.answered(client, retry_after);
        close
    }
}

/// One held refusal; dropping it (also when the client goes away while it
/// waits) frees its place.
struct Held<'a> {
    pacing: &'a RefusalPacing,
    client: IpAddr,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let mut by = self
            .pacing
            .held_by
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = by.get_mut(&self.client) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                by.remove(&self.client);
            }
        }
    }
}

/// Why a guarded body stopped.
#[derive(Debug, Clone, Copy)]
enum Trip {
    Timeout(Duration),
    TooLarge { limit: u64, setting: &'static str },
}

impl Trip {
    fn answer(self) -> Response {
        let mut r = match self {
            Trip::Timeout(d) => ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request body did not arrive within {} s (http.body_timeout)",
                    d.as_secs_f64()
                ),
            ),
            Trip::TooLarge { limit, setting } => too_large(limit, setting),
        }
        .into_response();
        // The rest of the body is not read: the connection cannot go on.
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        r
    }
}

fn too_large(limit: u64, setting: &'static str) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the request body is larger than this endpoint accepts: at most {} ({limit} bytes, {setting})",
            bytesize::ByteSize::b(limit).display().iec()
        ),
    )
}

/// A request body with a deadline and/or a size limit. When one is hit, it
/// fails (so the handler's extractor gives up) and records why, for the
/// middleware that installed it to answer.
struct GuardedBody {
    inner: Body,
    deadline: Option<(Pin<Box<tokio::time::Sleep>>, Duration)>,
    /// (bytes still allowed, limit, setting).
    room: Option<(u64, u64, &'static str)>,
    tripped: Arc<OnceLock<Trip>>,
}

impl GuardedBody {
    fn trip(&self, why: Trip) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::BoxError>>> {
        let _ = self.tripped.set(why);
        let message = match why {
            Trip::Timeout(_) => "request body timeout",
            Trip::TooLarge { .. } => "request body too large",
        };
        Poll::Ready(Some(Err(message.into())))
    }
}

impl HttpBody for GuardedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if let Some(why) = this.tripped.get() {
            return this.trip(*why);
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let (Some(data), Some((room, limit, setting))) = (frame.data_ref(), this.room) {
                    let len = data.len() as u64;
                    if len > room {
                        return this.trip(Trip::TooLarge { limit, setting });
                    }
                    this.room = Some((room - len, limit, setting));
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(other) => Poll::Ready(other.map(|r| r.map_err(Into::into))),
            Poll::Pending => {
                if let Some((sleep, d)) = &mut this.deadline {
                    if sleep.as_mut().poll(cx).is_ready() {
                        let d = *d;
                        return this.trip(Trip::Timeout(d));
                    }
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Wraps the body of `req`; returns the request and the trip cell.
fn guard(
    req: Request,
    deadline: Option<Duration>,
    limit: Option<(u64, &'static str)>,
) -> (Request, Arc<OnceLock<Trip>>) {
    let tripped = Arc::new(OnceLock::new());
    let (parts, inner) = req.into_parts();
    let body = GuardedBody {
        inner,
        deadline: deadline.map(|d| (Box::pin(tokio::time::sleep(d)), d)),
        room: limit.map(|(l, s)| (l, l, s)),
        tripped: tripped.clone(),
    };
    (Request::from_parts(parts, Body::new(body)), tripped)
}

/// Middleware (every request): the body must arrive within
/// `http.body_timeout`, else 408.
pub(super) async fn guard_body_time(
    State(limits): State<Arc<HttpLimits>>,
    req: Request,
    next: Next,
) -> Response {
    let (req, tripped) = guard(req, Some(limits.config.body_timeout), None);
    let response = next.run(req).await;
    match tripped.get() {
        Some(why) => why.answer(),
        None => response,
    }
}

/// A body size limit: `limit` bytes, named after `setting` in the 413.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit {
    pub limit: u64,
    pub setting: &'static str,
}

/// Middleware (per route, with [`BodyLimit`] as state; axum's own default
/// limit must be disabled on the route): 413 beyond the limit.
pub(super) async fn body_limit(
    State(limit): State<BodyLimit>,
    req: Request,
    next: Next,
) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit.limit) {
        return Trip::TooLarge {
            limit: limit.limit,
            setting: limit.setting,
        }
        .answer();
    }
    let (req, tripped) = guard(req, None, Some((limit.limit, limit.setting)));
    let response = next.run(req).await;
    match tripped.get() {
        Some(why) => why.answer(),
        None => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::post;
    use axum::Router;
    use tower::ServiceExt;

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([192, 0, 2, last]))
    }

    #[tokio::test]
    async fn refusals_to_a_client_that_does_not_wait_are_paced() {
        let pacing = RefusalPacing::new(4, 2);
        let retry = Duration::from_millis(400);
        let started = Instant::now();
        // The first refusal at once.
        assert!(!pacing.pace(ip(1), retry).await);
        assert!(started.elapsed() < Duration::from_millis(100));
        // Asked again 100 ms later: held until the 400 ms are over.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!pacing.pace(ip(1), retry).await);
        let held = started.elapsed();
        assert!(held >= Duration::from_millis(390), "{held:?}");
        // Another client is not affected.
        let before = Instant::now();
        assert!(!pacing.pace(ip(2), retry).await);
        assert!(before.elapsed() < Duration::from_millis(100));
        // A client that waits as asked is answered at once.
        tokio::time::sleep(retry).await;
        let before = Instant::now();
        assert!(!pacing.pace(ip(1), retry).await);
        // No address known (the app without a server): at once.
        assert!(!pacing.pace(None, retry).await);
        assert!(!pacing.pace(None, retry).await);
        assert!(before.elapsed() < Duration::from_millis(100));
    }

    #[tokio::test]
    async fn held_refusals_are_bounded_per_client_and_in_all() {
        let pacing = Arc::new(RefusalPacing::new(3, 2));
        // Long enough that the held refusals are still held while the
        // test looks, even on a loaded machine.
        let retry = Duration::from_secs(3);
        for last in [1, 2, 3] {
            assert!(!pacing.pace(ip(last), retry).await);
        }
        let spawn = |last: u8| {
            let p = pacing.clone();
            tokio::spawn(async move { p.pace(ip(last), retry).await })
        };
        let settle = || tokio::time::sleep(Duration::from_millis(50));
        // Two of client 1 are held; its third is answered at once, closing.
        let held: Vec<_> = (0..2).map(|_| spawn(1)).collect();
        settle().await;
        assert_eq!(pacing.held.available_permits(), 1);
        assert!(pacing.pace(ip(1), retry).await, "beyond the client's bound");
        // One of client 2 fits in the total of three; the next does not.
        let third = spawn(2);
        settle().await;
        assert!(pacing.pace(ip(2), retry).await, "beyond the total");
        // A client that goes away while held gives its place back.
        third.abort();
        let _ = third.await;
        assert_eq!(pacing.held.available_permits(), 1);
        let gone = spawn(3);
        settle().await;
        assert_eq!(pacing.held.available_permits(), 0);
        gone.abort();
        let _ = gone.await;
        for h in held {
            assert!(!h.await.expect("task"));
        }
        assert_eq!(pacing.held.available_permits(), 3);
        assert!(pacing
            .held_by
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty());
    }

    fn app(limit: u64, timeout: Duration) -> Router {
        let limits = Arc::new(HttpLimits::new(&HttpConfig {
            body_timeout: timeout,
            ..HttpConfig::default()
        }));
        Router::new()
            .route(
                "/",
                post(|b: Bytes| async move { b.len().to_string() })
                    .layer(axum::extract::DefaultBodyLimit::disable())
                    .layer(axum::middleware::from_fn_with_state(
                        BodyLimit {
                            limit,
                            setting: "test.limit",
                        },
                        body_limit,
                    )),
            )
            .layer(axum::middleware::from_fn_with_state(
                limits,
                guard_body_time,
            ))
    }

    async fn send(app: Router, body: Body, length: Option<usize>) -> (u16, String) {
        let mut req = Request::post("/");
        if let Some(n) = length {
            req = req.header(header::CONTENT_LENGTH, n);
        }
        let r = app.oneshot(req.body(body).unwrap()).await.unwrap();
        let status = r.status().as_u16();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    fn chunks(n: usize, size: usize, pause: Duration) -> Body {
        let stream = futures_util::stream::unfold(0, move |i| async move {
            if i == n {
                return None;
            }
            tokio::time::sleep(pause).await;
            Some((Ok::<_, std::io::Error>(vec![b'x'; size]), i + 1))
        });
        Body::from_stream(stream)
    }

    #[tokio::test]
    async fn bodies_within_the_limits_pass() {
        let a = app(100, Duration::from_secs(5));
        assert_eq!(
            send(a.clone(), Body::from(vec![0u8; 100]), Some(100)).await,
            (200, "100".into())
        );
        let (status, body) = send(a, chunks(10, 10, Duration::ZERO), None).await;
        assert_eq!((status, body.as_str()), (200, "100"));
    }

    #[tokio::test]
    async fn declared_and_streamed_excess_is_413_with_the_limit() {
        let a = app(100, Duration::from_secs(5));
        let (status, body) = send(a.clone(), Body::from(vec![0u8; 101]), Some(101)).await;
        assert_eq!(status, 413, "{body}");
        assert!(
            body.contains("100 bytes") && body.contains("test.limit"),
            "{body}"
        );
        let (status, body) = send(a, chunks(11, 10, Duration::ZERO), None).await;
        assert_eq!(status, 413, "{body}");
        assert!(body.contains("test.limit"), "{body}");
    }

    #[tokio::test]
    async fn a_trickling_body_meets_the_total_deadline() {
        // Each chunk comes well within the deadline; all of them do not.
        let a = app(1 << 20, Duration::from_millis(300));
        let started = std::time::Instant::now();
        let (status, body) = send(a, chunks(20, 1, Duration::from_millis(50)), None).await;
        assert_eq!(status, 408, "{body}");
        assert!(body.contains("http.body_timeout"), "{body}");
        assert!(started.elapsed() < Duration::from_millis(900));
    }

    #[test]
    fn slots_refuse_beyond_n_with_retry_after() {
        let s = Slots::new("things run", 2, 7);
        let a = s.try_take().unwrap();
        let _b = s.try_take().unwrap();
        let r = s.try_take().unwrap_err().into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], "7");
        assert_eq!(s.taken(), 2);
        drop(a);
        assert!(s.try_take().is_ok());
    }
}
