//! Sockets and threads of the test ACS: the accept loop, one thread per connection, TLS.
//!
//! Responsible for moving bytes between TCP (optionally rustls) and the session layer, for
//! closing connections as the session layer decides, and for stopping everything on demand.
//! Not responsible for any CWMP decision (see `session`).

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::record::ConnectionInfo;
use super::session::{After, ConnCtx, State};
use super::wire::{self, ReadError, RequestReader};

/// State shared by the accept loop, the connection threads and the test.
#[derive(Debug)]
pub struct Shared {
    state: Mutex<State>,
    /// Signalled after every change to the record.
    pub changed: Condvar,
    stopping: AtomicBool,
    next_conn: AtomicU64,
    live: Mutex<HashMap<u64, TcpStream>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    /// Shared state around `state`.
    pub fn new(state: State) -> Arc<Shared> {
        Arc::new(Shared {
            state: Mutex::new(state),
            changed: Condvar::new(),
            stopping: AtomicBool::new(false),
            next_conn: AtomicU64::new(0),
            live: Mutex::new(HashMap::new()),
            threads: Mutex::new(Vec::new()),
        })
    }

    /// Locks the state (a panicked connection thread does not make the record unreadable).
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the state and wakes the waiters.
    pub fn update<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let r = f(&mut self.lock());
        self.changed.notify_all();
        r
    }

    fn live(&self) -> MutexGuard<'_, HashMap<u64, TcpStream>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn threads(&self) -> MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.threads.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running listener.
#[derive(Debug)]
pub struct Listener {
    addr: SocketAddr,
    accept: Option<JoinHandle<()>>,
}

impl Listener {
    /// Binds `addr` and starts accepting.
    pub fn start(
        shared: &Arc<Shared>,
        addr: SocketAddr,
        tls: Option<Arc<ServerConfig>>,
    ) -> io::Result<Listener> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        shared.stopping.store(false, Ordering::SeqCst);
        let sh = Arc::clone(shared);
        let accept = thread::Builder::new()
            .name("acs-accept".into())
            .spawn(move || accept_loop(&sh, &listener, tls))?;
        Ok(Listener {
            addr,
            accept: Some(accept),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes every connection and waits for the threads.
    pub fn stop(&mut self, shared: &Shared) {
        shared.stopping.store(true, Ordering::SeqCst);
        if let Some(t) = self.accept.take() {
            // Wake the blocking accept(); it sees `stopping` and returns.
            let _ = TcpStream::connect(self.addr);
            let _ = t.join();
        }
        for s in shared.live().values() {
            let _ = s.shutdown(Shutdown::Both);
        }
        let threads: Vec<_> = shared.threads().drain(..).collect();
        for t in threads {
            let _ = t.join();
        }
        shared.changed.notify_all();
    }
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener, tls: Option<Arc<ServerConfig>>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
        let peer = stream
            .peer_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        shared.update(|st| {
            st.connection_opened(ConnectionInfo {
                id,
                peer,
                opened: Instant::now(),
                closed: None,
                tls: tls.is_some(),
                sni: None,
                client_cert: false,
                error: None,
                requests: 0,
            })
        });
        if let Ok(clone) = stream.try_clone() {
            shared.live().insert(id, clone);
        }
        let sh = Arc::clone(shared);
        let tls = tls.clone();
        let spawned = thread::Builder::new()
            .name(format!("acs-conn-{id}"))
            .spawn(move || serve(&sh, stream, id, tls));
        match spawned {
            Ok(t) => {
                let mut threads = shared.threads();
                threads.retain(|t| !t.is_finished());
                threads.push(t);
            }
            Err(e) => shared.update(|st| st.connection_error(id, format!("spawn: {e}"))),
        }
    }
}

/// A plain or TLS connection.
enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

impl Stream {
    /// Ends the connection from our side (TLS close_notify first).
    fn close(&mut self) {
        let tcp = match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => {
                s.conn.send_close_notify();
                let _ = s.flush();
                &mut s.sock
            }
        };
        let _ = tcp.shutdown(Shutdown::Write);
    }
}

fn handshake(
    config: Arc<ServerConfig>,
    mut tcp: TcpStream,
) -> Result<(Stream, Option<String>, bool), String> {
    let mut conn = ServerConnection::new(config).map_err(|e| e.to_string())?;
    while conn.is_handshaking() {
        match conn.complete_io(&mut tcp) {
            Ok((0, 0)) if conn.is_handshaking() => {
                return Err("connection closed during the TLS handshake".into());
            }
            Ok(_) => {}
            Err(e) => {
                // Let the alert (if any) reach the client.
                let _ = conn.complete_io(&mut tcp);
                return Err(format!("TLS handshake: {e}"));
            }
        }
    }
    let sni = conn.server_name().map(str::to_owned);
    let client_cert = conn.peer_certificates().is_some_and(|c| !c.is_empty());
    Ok((
        Stream::Tls(Box::new(StreamOwned::new(conn, tcp))),
        sni,
        client_cert,
    ))
}

fn serve(shared: &Shared, tcp: TcpStream, id: u64, tls: Option<Arc<ServerConfig>>) {
    let mut stream = match tls {
        None => Stream::Plain(tcp),
        Some(cfg) => match handshake(cfg, tcp) {
            Ok((s, sni, client_cert)) => {
                shared.update(|st| st.connection_tls(id, sni, client_cert));
                s
            }
            Err(e) => {
                shared.update(|st| {
                    st.connection_error(id, e);
                    st.connection_closed(&ConnCtx {
                        id,
                        ..Default::default()
                    });
                });
                shared.live().remove(&id);
                return;
            }
        },
    };
    let mut ctx = ConnCtx {
        id,
        ..Default::default()
    };
    let mut reader = RequestReader::default();
    loop {
        match reader.read(&mut stream) {
            Ok(req) => {
                let d = shared.update(|st| st.handle(&mut ctx, req));
                if let Some(r) = &d.response
                    && let Err(e) = wire::write_response(&mut stream, r)
                {
                    shared.update(|st| st.connection_error(id, format!("write: {e}")));
                    break;
                }
                match d.after {
                    After::KeepOpen => {}
                    After::Close => {
                        stream.close();
                        break;
                    }
                    After::Silent => {
                        let mut sink = [0u8; 4096];
                        while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
                        break;
                    }
                    After::Drop => break,
                }
            }
            Err(ReadError::Closed) => break,
            Err(ReadError::Io(e)) => {
                shared.update(|st| st.connection_error(id, format!("read: {e}")));
                break;
            }
            Err(ReadError::Malformed(m)) => {
                shared.update(|st| st.connection_error(id, format!("malformed request: {m}")));
                let h = vec![
                    ("Content-Length".to_owned(), m.len().to_string()),
                    ("Connection".to_owned(), "close".to_owned()),
                ];
                let _ = wire::write_response(&mut stream, &wire::response(400, h, m.into_bytes()));
                stream.close();
                break;
            }
        }
    }
    shared.update(|st| st.connection_closed(&ctx));
    shared.live().remove(&id);
}
