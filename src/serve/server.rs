//! The HTTP layer of `docgen serve`: hyper (HTTP/1.1) on a small tokio runtime, and the limits
//! that keep it answering whatever clients do.
//!
//! - Connections cost no thread: at most [`Limits::max_connections`] are open at once (more wait
//!   in the kernel's accept queue until one closes).
//! - A connection with no answer in progress that moves no byte in either direction for
//!   [`Limits::idle`] is closed: a client that connects and says nothing, sends its head a byte
//!   at a time (slowloris), or keeps an idle keep-alive open. (An answer in progress, such as an
//!   event stream, ends when its client goes away: its next write fails.)
//! - A request head over [`Limits::max_head`] bytes and a body over [`Limits::max_body`] are
//!   refused (hyper answers 431, the body check 413).
//! - Handlers are the blocking functions of [`super::http`]; they run on tokio's blocking pool,
//!   capped at [`Limits::handler_threads`] plus [`Limits::max_streams`] threads, so the process's
//!   thread count does not grow with its connections. Long answers (build events, lab runs) hold
//!   a stream slot; when all [`Limits::max_streams`] are taken, the next gets 503.
//!
//! A handler gets a [`Request`] and answers it once, whole ([`Request::respond`]) or as a stream
//! of bytes ([`Request::into_stream`], a blocking `Write`).

use std::convert::Infallible;
use std::net::TcpListener as StdListener;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Frame, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

/// How much the server takes on at once.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Open connections at most.
    pub max_connections: usize,
    /// Long answers (event streams, lab runs) at once.
    pub max_streams: usize,
    /// Threads for ordinary requests (files, status); they are short.
    pub handler_threads: usize,
    /// A connection silent this long in both directions is closed.
    pub idle: Duration,
    /// The largest request head, in bytes.
    pub max_head: usize,
    /// The largest request body, in bytes.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            max_streams: 32,
            handler_threads: 16,
            idle: Duration::from_secs(30),
            max_head: 64 * 1024,
            max_body: 64 * 1024,
        }
    }
}

/// The body of every response: whole, or streamed by a handler.
type RespBody = BoxBody<Bytes, Infallible>;

/// What answers requests.
pub type Handler = Arc<dyn Fn(Request) + Send + Sync>;

/// One request, for a blocking handler, and the way to answer it.
pub struct Request {
    method: Method,
    target: String,
    headers: HeaderMap,
    reply: oneshot::Sender<Response<RespBody>>,
    streams: Arc<Semaphore>,
}

/// A reserved stream slot (see [`Request::stream_slot`]).
pub struct StreamSlot {
    _permit: OwnedSemaphorePermit,
}

impl Request {
    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request target exactly as the client sent it (origin form: path and query).
    pub fn url(&self) -> &str {
        &self.target
    }

    /// Every value of header `name` (a value that is not text reads as U+FFFD).
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("\u{fffd}"))
            .collect()
    }

    /// Answers with `status`, `headers` and `body`. A header that is not valid HTTP is left
    /// out (handlers only send their own constant names).
    pub fn respond(self, status: u16, headers: &[(&str, &str)], body: Vec<u8>) {
        let mut r = Response::new(Full::new(Bytes::from(body)).boxed());
        *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        add_headers(r.headers_mut(), headers);
        let _ = self.reply.send(r);
    }

    /// A stream slot, if one is free.
    pub fn stream_slot(&self) -> Option<StreamSlot> {
        let permit = Arc::clone(&self.streams).try_acquire_owned().ok()?;
        Some(StreamSlot { _permit: permit })
    }

    /// Answers 200 with `headers` and a body written, as it comes, through the returned
    /// writer. A write or flush fails once the client has gone.
    pub fn into_stream(self, slot: StreamSlot, headers: &[(&str, &str)]) -> StreamWriter {
        let (tx, rx) = mpsc::channel(16);
        let mut r = Response::new(ChannelBody { rx }.boxed());
        add_headers(r.headers_mut(), headers);
        let _ = self.reply.send(r);
        StreamWriter {
            tx,
            buf: Vec::new(),
            _slot: slot,
        }
    }
}

fn add_headers(map: &mut HeaderMap, headers: &[(&str, &str)]) {
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            map.append(k, v);
        }
    }
}

/// The writing end of a streamed answer. Bytes go out on `flush` (and when 8 KiB gather).
pub struct StreamWriter {
    tx: mpsc::Sender<Bytes>,
    buf: Vec<u8>,
    _slot: StreamSlot,
}

impl std::io::Write for StreamWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 8 * 1024 {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx.blocking_send(chunk).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl Drop for StreamWriter {
    fn drop(&mut self) {
        let _ = std::io::Write::flush(self);
    }
}

/// A response body fed by a [`StreamWriter`].
struct ChannelBody {
    rx: mpsc::Receiver<Bytes>,
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx.poll_recv(cx).map(|c| c.map(|b| Ok(Frame::data(b))))
    }
}

/// What every connection shares.
struct Shared {
    handler: Handler,
    limits: Limits,
    streams: Arc<Semaphore>,
    epoch: Instant,
}

/// Serves `listener` with `handler` until the process ends.
pub fn run(listener: StdListener, limits: Limits, handler: Handler) -> anyhow::Result<()> {
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(limits.handler_threads + limits.max_streams)
        .thread_name("docgen-serve")
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let open = Arc::new(Semaphore::new(limits.max_connections));
        let shared = Arc::new(Shared {
            handler,
            streams: Arc::new(Semaphore::new(limits.max_streams)),
            limits,
            epoch: Instant::now(),
        });
        let mut last_complaint: Option<Instant> = None;
        loop {
            let permit = Arc::clone(&open)
                .acquire_owned()
                .await
                .expect("the connection semaphore is never closed");
            let stream = match listener.accept().await {
                Ok((s, _)) => s,
                Err(e) => {
                    // Out of file descriptors, most likely: say so now and then, wait, go on.
                    if last_complaint.map_or(true, |t| t.elapsed() > Duration::from_secs(10)) {
                        eprintln!("docgen serve: cannot accept a connection: {e}");
                        last_complaint = Some(Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                connection(stream, shared).await;
                drop(permit);
            });
        }
    })
}

/// Serves one connection until it ends or goes idle.
async fn connection(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let last = Arc::new(AtomicU64::new(millis(shared.epoch)));
    let busy = Arc::new(AtomicUsize::new(0));
    let io = TokioIo::new(Watched {
        inner: stream,
        last: Arc::clone(&last),
        epoch: shared.epoch,
    });
    let idle = shared.limits.idle;
    let s2 = Arc::clone(&shared);
    let b2 = Arc::clone(&busy);
    let service = hyper::service::service_fn(move |req| {
        answer(req, Arc::clone(&s2), Busy::new(Arc::clone(&b2)))
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(idle)
        .max_header_size(shared.limits.max_head)
        .serve_connection(io, service);
    tokio::pin!(conn);
    let tick = (idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = &mut conn => return,
            _ = tokio::time::sleep(tick) => {
                let quiet = millis(shared.epoch).saturating_sub(last.load(Ordering::Relaxed));
                if busy.load(Ordering::SeqCst) == 0 && Duration::from_millis(quiet) >= idle {
                    // Dropping the connection closes the socket.
                    return;
                }
            }
        }
    }
}

fn millis(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn plain(status: StatusCode, msg: &str) -> Response<RespBody> {
    let mut r =
        Response::new(Full::new(Bytes::from(format!("{}: {msg}\n", status.as_u16()))).boxed());
    *r.status_mut() = status;
    add_headers(
        r.headers_mut(),
        &[
            ("Content-Type", "text/plain; charset=utf-8"),
            ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "no-store"),
        ],
    );
    r
}

/// Reads the body (bounded), hands the request to the handler on the blocking pool, and waits
/// for its answer.
async fn answer(
    req: hyper::Request<Incoming>,
    shared: Arc<Shared>,
    busy: Busy,
) -> Result<Response<RespBody>, Infallible> {
    let r = answer_inner(req, shared).await?;
    // The connection counts as busy until the body has gone out (or the client has).
    Ok(r.map(|inner| Guarded { inner, _busy: busy }.boxed()))
}

async fn answer_inner(
    req: hyper::Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<RespBody>, Infallible> {
    let (parts, body) = req.into_parts();
    // Absolute-form targets (`GET http://host/path`) are for proxies; this is not one.
    if parts.uri.scheme().is_some() || parts.uri.authority().is_some() {
        return Ok(plain(
            StatusCode::BAD_REQUEST,
            "this server takes paths, not absolute URLs",
        ));
    }
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
    // No route uses a body; it is read (up to the limit) so the connection stays in step.
    if Limited::new(body, shared.limits.max_body)
        .collect()
        .await
        .is_err()
    {
        return Ok(plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large or was cut off",
        ));
    }
    let (tx, rx) = oneshot::channel();
    let request = Request {
        method: parts.method,
        target,
        headers: parts.headers,
        reply: tx,
        streams: Arc::clone(&shared.streams),
    };
    let handler = Arc::clone(&shared.handler);
    tokio::task::spawn_blocking(move || handler(request));
    Ok(rx.await.unwrap_or_else(|_| {
        plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "docgen serve: the request's handler stopped without an answer",
        )
    }))
}

/// One answer in progress on a connection (a count, released on drop).
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn new(count: Arc<AtomicUsize>) -> Busy {
        count.fetch_add(1, Ordering::SeqCst);
        Busy(count)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A response body that keeps its connection busy while it is being sent.
struct Guarded {
    inner: RespBody,
    _busy: Busy,
}

impl Body for Guarded {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// A connection's socket that notes when a byte last moved.
struct Watched {
    inner: TcpStream,
    last: Arc<AtomicU64>,
    epoch: Instant,
}

impl Watched {
    fn moved(&self) {
        self.last.store(millis(self.epoch), Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.moved();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
