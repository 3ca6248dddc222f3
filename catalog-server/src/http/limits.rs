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
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;
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
