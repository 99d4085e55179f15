//! A minimal HTTP/1.1 client connection: write a prepared request, read the response head
//! with `httparse`, then stream the body (`Content-Length` or chunked) into a sink.
//!
//! Hand-written rather than hyper's client so the load generator stays cheap per request:
//! it must outrun the fastest server (the floor) on a single core, or every ratio would be
//! squeezed toward 1. No allocation per request beyond what the caller asks for.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Buf as _, BytesMut};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

/// Receives a response body as it arrives (already de-chunked).
pub trait Sink {
    /// The response head arrived; the body follows.
    fn begin(&mut self, head: &Head);
    /// Some more bytes of the body.
    fn feed(&mut self, data: &[u8]);
}

/// What the response head said.
#[derive(Debug, Default)]
pub struct Head {
    /// The status code.
    pub status: u16,
    /// Whether the body is an SSE stream (`text/event-stream`).
    pub event_stream: bool,
    /// The `Mcp-Session-Id` header, if any.
    pub session_id: Option<String>,
    /// Whether the server will close the connection after this response.
    pub close: bool,
}

enum BodyKind {
    Length(usize),
    Chunked,
    UntilClose,
}

/// How a slow reader reads a response body: after the head it takes nothing for `pause`,
/// then at most `chunk` bytes every `gap`.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Reading nothing after the head: long enough for the socket to fill.
    pub pause: Duration,
    /// The most bytes taken per read.
    pub chunk: usize,
    /// The wait before each further read.
    pub gap: Duration,
}

/// One keep-alive connection, with one request in flight at a time.
pub struct Conn {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    buf: BytesMut,
    /// The kernel receive buffer asked for (`SO_RCVBUF`), when not the default.
    receive_buffer: Option<u32>,
    /// How the next exchange reads, when not as fast as it can; and the reads it made.
    pace: Option<(Pace, u64)>,
}

impl Conn {
    /// Connects to `addr`.
    pub async fn connect(addr: SocketAddr) -> io::Result<Self> {
        Self::connect_with(addr, None).await
    }

    /// Connects to `addr` with a kernel receive buffer of `bytes` (`SO_RCVBUF`, which also
    /// caps the window the server may fill), or the default.
    pub async fn connect_with(addr: SocketAddr, receive_buffer: Option<u32>) -> io::Result<Self> {
        let mut conn = Self {
            addr,
            stream: None,
            buf: BytesMut::with_capacity(16 * 1024),
            receive_buffer,
            pace: None,
        };
        conn.reconnect().await?;
        Ok(conn)
    }

    async fn reconnect(&mut self) -> io::Result<()> {
        let socket = TcpSocket::new_v4()?;
        if let Some(bytes) = self.receive_buffer {
            socket.set_recv_buffer_size(bytes)?;
        }
        let stream = socket.connect(self.addr).await?;
        stream.set_nodelay(true)?;
        self.stream = Some(stream);
        self.buf.clear();
        Ok(())
    }

    /// Reads the responses of the next exchanges at `pace` (`None`: as fast as it can).
    pub fn set_pace(&mut self, pace: Option<Pace>) {
        self.pace = pace.map(|pace| (pace, 0));
    }

    /// Sends `request`, reads the first `at_least` bytes of the response and hands back the
    /// socket with the rest unread, and what was read: a reader that goes away (drop it) or
    /// stops reading (keep it).
    pub async fn send_and_abandon(
        mut self,
        request: &[u8],
        at_least: usize,
    ) -> io::Result<(TcpStream, BytesMut)> {
        if self.stream.is_none() {
            self.reconnect().await?;
        }
        self.stream
            .as_mut()
            .ok_or(io::ErrorKind::NotConnected)?
            .write_all(request)
            .await?;
        while self.buf.len() < at_least {
            self.fill().await?;
        }
        let stream = self.stream.ok_or(io::ErrorKind::NotConnected)?;
        Ok((stream, self.buf))
    }

    /// Sends one request and reads its response, body into `sink`. A connection the server
    /// closed is reopened first.
    pub async fn exchange(&mut self, request: &[u8], sink: &mut impl Sink) -> io::Result<Head> {
        if self.stream.is_none() {
            self.reconnect().await?;
        }
        let result = self.exchange_once(request, sink).await;
        match &result {
            Ok(head) if !head.close => {}
            _ => self.stream = None,
        }
        result
    }

    async fn exchange_once(&mut self, request: &[u8], sink: &mut impl Sink) -> io::Result<Head> {
        let stream = self.stream.as_mut().ok_or(io::ErrorKind::NotConnected)?;
        stream.write_all(request).await?;
        let (head, body) = loop {
            if let Some(parsed) = parse_head(&mut self.buf)? {
                break parsed;
            }
            self.fill().await?;
        };
        sink.begin(&head);
        match body {
            BodyKind::Length(length) => self.feed_exactly(length, sink).await?,
            BodyKind::Chunked => self.read_chunked(sink).await?,
            BodyKind::UntilClose => loop {
                sink.feed(&self.buf);
                self.buf.clear();
                if self.fill_or_eof().await? == 0 {
                    return Ok(Head {
                        close: true,
                        ..head
                    });
                }
            },
        }
        Ok(head)
    }

    /// Feeds the next `length` body bytes to `sink`, as they arrive.
    async fn feed_exactly(&mut self, mut length: usize, sink: &mut impl Sink) -> io::Result<()> {
        while length > 0 {
            if self.buf.is_empty() {
                self.fill().await?;
            }
            let n = length.min(self.buf.len());
            sink.feed(&self.buf[..n]);
            self.buf.advance(n);
            length -= n;
        }
        Ok(())
    }

    async fn read_chunked(&mut self, sink: &mut impl Sink) -> io::Result<()> {
        loop {
            let (consumed, size) = loop {
                match httparse::parse_chunk_size(&self.buf) {
                    Ok(httparse::Status::Complete(parsed)) => break parsed,
                    Ok(httparse::Status::Partial) => self.fill().await?,
                    Err(_) => return Err(invalid("bad chunk size")),
                }
            };
            self.buf.advance(consumed);
            let size = usize::try_from(size).map_err(|_| invalid("huge chunk"))?;
            // Feed the chunk as it arrives: SSE events are counted when they land.
            self.feed_exactly(size, sink).await?;
            while self.buf.len() < 2 {
                self.fill().await?;
            }
            if &self.buf[..2] != b"\r\n" {
                return Err(invalid("chunk not followed by CRLF"));
            }
            self.buf.advance(2);
            if size == 0 {
                return Ok(());
            }
        }
    }

    async fn fill(&mut self) -> io::Result<()> {
        match self.fill_or_eof().await? {
            0 => Err(io::ErrorKind::UnexpectedEof.into()),
            _ => Ok(()),
        }
    }

    async fn fill_or_eof(&mut self) -> io::Result<usize> {
        let stream = self.stream.as_mut().ok_or(io::ErrorKind::NotConnected)?;
        self.buf.reserve(16 * 1024);
        let Some((pace, reads)) = &mut self.pace else {
            return stream.read_buf(&mut self.buf).await;
        };
        // The first read brings the head; the pause comes after it, the gaps after that.
        match *reads {
            0 => {}
            1 => tokio::time::sleep(pace.pause).await,
            _ => tokio::time::sleep(pace.gap).await,
        }
        *reads += 1;
        let chunk = u64::try_from(pace.chunk).unwrap_or(u64::MAX);
        (&mut *stream).take(chunk).read_buf(&mut self.buf).await
    }
}

/// Parses a complete response head off the front of `buf`.
fn parse_head(buf: &mut BytesMut) -> io::Result<Option<(Head, BodyKind)>> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(invalid(&format!("bad response head: {e}"))),
    };
    let status = response.code.unwrap_or(0);
    let mut head = Head {
        status,
        close: response.version == Some(0),
        ..Head::default()
    };
    let mut length = None;
    let mut chunked = false;
    for header in response.headers.iter() {
        let value = header.value;
        if header.name.eq_ignore_ascii_case("content-length") {
            length = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.trim().parse().ok());
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case(b"chunked");
        } else if header.name.eq_ignore_ascii_case("content-type") {
            head.event_stream = value.starts_with(b"text/event-stream");
        } else if header.name.eq_ignore_ascii_case("mcp-session-id") {
            head.session_id = std::str::from_utf8(value).ok().map(str::to_owned);
        } else if header.name.eq_ignore_ascii_case("connection") {
            head.close = value.eq_ignore_ascii_case(b"close");
        }
    }
    let body = match (chunked, length) {
        (true, _) => BodyKind::Chunked,
        (false, Some(n)) => BodyKind::Length(n),
        (false, None) if matches!(status, 202 | 204 | 304) => BodyKind::Length(0),
        (false, None) => BodyKind::UntilClose,
    };
    buf.advance(len);
    Ok(Some((head, body)))
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}
