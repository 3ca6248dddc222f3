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
//! * **Lingering close**: a connection the server ends (after a 413, 408 or
//!   503 answered before the body was read, a header timeout, shutdown) is
//!   half-closed and its input read and dropped for up to [`LINGER`] before
//!   the socket closes. Closing a socket with unread input makes the system
//!   send a reset, which can destroy the answer before the client has read
//!   it: a client still sending a refused upload would see "connection
//!   reset" instead of the 413 or 503.
//! * **Graceful shutdown**: when `shutdown` completes, the listener closes,
//!   idle connections close at once (one still sending its header when the
//!   header timeout ends it), and requests in progress get up to
//!   [`SHUTDOWN_GRACE`] to finish.
//!
//! HTTP/2 and TLS belong to the reverse proxy in front: this server speaks
//! HTTP/1.1 only (as plain HTTP/2 would need its own idle and header limits).

use crate::config::HttpConfig;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// How long requests in progress may go on after the shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// How long a connection's input is read and dropped after the server has
/// ended it (see the module documentation).
pub const LINGER: Duration = Duration::from_secs(2);

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    settings: &HttpConfig,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout)
        .keep_alive(true);
    let connections = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let (stop, stopped) = watch::channel(false);
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while tasks.try_join_next().is_some() {}
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
            Box::pin(app.clone().oneshot(req.map(axum::body::Body::new)))
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let stopped = stopped.clone();
        tasks.spawn(async move {
            drive(connection, stopped, remote).await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    tracing::info!(
        "closing {} open connections (at most {} s)",
        tasks.len(),
        SHUTDOWN_GRACE.as_secs()
    );
    let all_closed = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, all_closed)
        .await
        .is_err()
    {
        tracing::warn!(
            "requests still in progress after {} s were cut off",
            SHUTDOWN_GRACE.as_secs()
        );
    }
}

/// Runs one connection to its end (ending it gracefully when `stop` says
/// so), then closes it lingering.
async fn drive<S>(
    mut connection: http1::Connection<TokioIo<TcpStream>, S>,
    mut stop: watch::Receiver<bool>,
    remote: SocketAddr,
) where
    S: hyper::service::HttpService<Incoming, ResBody = axum::body::Body> + Unpin,
    S::Future: Unpin,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut stopping = false;
    let ended = loop {
        tokio::select! {
            ended = std::future::poll_fn(|cx| connection.poll_without_shutdown(cx)) => break ended,
            _ = stop.changed(), if !stopping => {
                std::pin::Pin::new(&mut connection).graceful_shutdown();
                stopping = true;
            }
        }
    };
    if let Err(e) = ended {
        tracing::debug!(client = %remote, "connection ended: {e}");
    }
    linger(connection.into_parts().io.into_inner()).await;
}

/// Half-closes `stream` (the answer is complete), then reads and drops what
/// the client still sends until it closes too, for at most [`LINGER`].
async fn linger(mut stream: TcpStream) {
    if stream.shutdown().await.is_err() {
        return;
    }
    let mut buf = vec![0u8; 16 * 1024];
    let drain = async {
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
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
