//! The HTTP server of `serve`: HTTP/1.1 connections with the limits that a
//! server facing the internet needs, which `axum::serve` does not set.
//!
//! * **Header timeout** (`http.header_timeout`): a request's header must
//!   arrive within it, from the connection's start or from the end of the
//!   previous answer; else hyper closes the connection. This stops clients
//!   that send a header slowly (slow loris) and also closes kept-alive
//!   connections idle for that long.
//! * **Connections** (`http.max_connections`): at most that many are open;
//!   the server accepts no further connection until one closes, so new ones
//!   wait in the operating system's listen queue (they are not refused while
//!   the queue has room).
//! * **Client address**: each request carries the peer address as axum's
//!   `ConnectInfo<SocketAddr>` (the admin API logs it).
//! * **Graceful shutdown**: when `shutdown` completes, the listener closes,
//!   idle connections close, and requests in progress get up to
//!   [`SHUTDOWN_GRACE`] to finish.
//!
//! HTTP/2 and TLS belong to the reverse proxy in front: this server speaks
//! HTTP/1.1 only (as plain HTTP/2 would need its own idle and header limits).

use crate::config::HttpConfig;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How long requests in progress may go on after the shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    settings: &HttpConfig,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout)
        .keep_alive(true);
    let connections = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        // A free connection slot first: beyond the limit nothing is accepted.
        let slot = tokio::select! {
            slot = connections.clone().acquire_owned() => match slot {
                Ok(s) => s,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(remote));
            app.clone().oneshot(req.map(axum::body::Body::new))
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(client = %remote, "connection closed: {e}");
            }
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!(
        "closing {} open connections (at most {} s)",
        graceful.count(),
        SHUTDOWN_GRACE.as_secs()
    );
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "requests still in progress after {} s were cut off",
            SHUTDOWN_GRACE.as_secs()
        );
    }
}

/// After a failed accept: errors of one connection are skipped; others
/// (too many open files…) are logged and slow the loop down, as in
/// `axum::serve`.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!("accepting a connection failed: {e}");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
