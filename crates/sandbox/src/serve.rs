//! Serving a router over plain TCP or TLS, HTTP/1.1 and HTTP/2, with graceful shutdown.
//! Written out (instead of `axum::serve`) because the sandbox needs TLS on the same accept loop.

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running server.
pub struct ServerHandle {
    /// Set to true to stop accepting and finish open connections.
    stop: watch::Sender<bool>,
    /// The accept loop.
    task: JoinHandle<()>,
}

impl ServerHandle {
    /// A receiver that turns true when the server is asked to stop.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Stops accepting, gives open connections up to 5 s to finish, and waits.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Serves `app` on `listener` until shut down. With `tls`, every connection is a TLS
/// handshake first (ALPN picks HTTP/2 or HTTP/1.1).
pub fn serve(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: Router,
) -> ServerHandle {
    let (stop, mut stopped) = watch::channel(false);
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let connections = stop.subscribe();
    let task = tokio::spawn(async move {
        let mut open = tokio::task::JoinSet::new();
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = stopped.changed() => break,
            };
            let Ok((stream, _peer)) = accepted else {
                // Out of file descriptors and the like: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            };
            let _ = stream.set_nodelay(true);
            let service = TowerToHyperService::new(app.clone());
            let acceptor = acceptor.clone();
            let mut stop_connection = connections.clone();
            open.spawn(async move {
                match acceptor {
                    Some(acceptor) => {
                        let Ok(Ok(stream)) =
                            tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                                .await
                        else {
                            return;
                        };
                        serve_connection(TokioIo::new(stream), service, &mut stop_connection).await;
                    }
                    None => {
                        serve_connection(TokioIo::new(stream), service, &mut stop_connection).await;
                    }
                }
            });
            // Reap finished connections so the set does not grow without bound.
            while open.try_join_next().is_some() {}
        }
        while open.join_next().await.is_some() {}
    });
    ServerHandle { stop, task }
}

/// Serves one connection until it closes, or until the server stops (then it gets 5 s to
/// finish what it has in hand).
async fn serve_connection<I>(
    io: I,
    service: TowerToHyperService<Router>,
    stop: &mut watch::Receiver<bool>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let builder = Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection_with_upgrades(io, service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = stop.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), connection).await;
        }
    }
}

/// A response whose body fails after the headers, so the server drops the connection and the
/// client sees it closed mid-message: the "connection reset" fault of both sandboxes.
pub fn dropped_connection() -> axum::response::Response {
    let stream = futures_util::stream::once(async {
        Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected connection reset",
        ))
    });
    let mut response = axum::response::Response::new(axum::body::Body::from_stream(stream));
    response
        .headers_mut()
        .insert("content-length", axum::http::HeaderValue::from_static("64"));
    response
}
