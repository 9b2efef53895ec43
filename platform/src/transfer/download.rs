//! Download: an HTTP(S) GET streamed into a file (TR-069 Download RPC, digest §1.7, §11.5).
//!
//! Responsible for checking the announced `FileSize` and the response's `Content-Length`
//! against each other and against the free space of the target directory before writing,
//! streaming the body to `<destination>.part` in fixed blocks while enforcing those sizes,
//! then `fsync`, rename over the destination and `fsync` of the directory, and removing the
//! partial file on any failure. Not responsible for what the file is (firmware, config...) or
//! for applying it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use cwmp_core::http::auth::Credentials;
use cwmp_core::soap::FaultCode;

use super::blocking::Reactor;
use super::exchange::{BodyError, Framing, Method, stream_body};
use super::failure::{Direction, Stop};
use super::request::{Success, parse_url, perform};
use super::{Download, TransferOptions, TransferStats};

/// Runs a download to completion; returns the final path.
pub(crate) fn run(
    reactor: &mut Reactor,
    request: &Download,
    options: &TransferOptions,
    buf: &mut [u8],
    stats: &mut TransferStats,
) -> Result<PathBuf, Stop> {
    parse_url(&request.url, Direction::Download)?;
    let dir = match request.destination.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(name) = request.destination.file_name() else {
        return Err(Stop::fail(
            FaultCode::INTERNAL_ERROR,
            "download destination has no file name",
        ));
    };
    let mut part_name = name.to_os_string();
    part_name.push(".part");
    let part = dir.join(part_name);
    let free = (options.free_space)(&dir).map_err(|e| {
        Stop::fail(
            FaultCode::TRANSFER_FAILURE,
            format_args!("cannot determine free space in {}: {e}", dir.display()),
        )
    })?;
    let announced = (request.file_size > 0).then_some(request.file_size);
    if let Some(size) = announced
        && size > free
    {
        return Err(Stop::fail(
            FaultCode::TRANSFER_FAILURE,
            format_args!("file of {size} bytes does not fit in {free} free bytes"),
        ));
    }
    let credentials = Credentials {
        username: &request.username,
        password: &request.password,
    };
    let result = perform(
        reactor,
        options,
        &request.url,
        &credentials,
        Method::Get,
        Direction::Download,
        &[200],
        buf,
        &mut |_, _| Ok(()),
        &mut |ok: Success<'_, '_, '_>| receive(ok, &part, announced, free, stats),
    );
    let result = result.and_then(|mut file| {
        commit(&mut file, &part, &request.destination, &dir).map_err(|e| {
            Stop::fail(
                FaultCode::TRANSFER_FAILURE,
                format_args!("cannot store {}: {e}", request.destination.display()),
            )
        })
    });
    match result {
        Ok(()) => Ok(request.destination.clone()),
        Err(stop) => {
            if let Err(e) = fs::remove_file(&part)
                && e.kind() != io::ErrorKind::NotFound
            {
                log::warn!("cannot remove {}: {e}", part.display());
            }
            Err(stop)
        }
    }
}

/// Why writing the body stopped.
enum SinkError {
    /// More bytes than announced or than fit.
    TooBig(String),
    /// The file system refused.
    Io(io::Error),
}

/// Checks the sizes and streams a `200` body into the partial file.
fn receive(
    ok: Success<'_, '_, '_>,
    part: &Path,
    announced: Option<u64>,
    free: u64,
    stats: &mut TransferStats,
) -> Result<File, Stop> {
    if let Framing::Length(len) = ok.head.framing {
        if let Some(size) = announced.filter(|&s| s != len) {
            return Err(Stop::fail(
                FaultCode::TRANSFER_FAILURE,
                format_args!("server sends {len} bytes but FileSize is {size}"),
            ));
        }
        if len > free {
            return Err(Stop::fail(
                FaultCode::TRANSFER_FAILURE,
                format_args!("file of {len} bytes does not fit in {free} free bytes"),
            ));
        }
    }
    let limit = announced.unwrap_or(free).min(free);
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(part)
        .map_err(|e| {
            Stop::fail(
                FaultCode::TRANSFER_FAILURE,
                format_args!("cannot create {}: {e}", part.display()),
            )
        })?;
    let mut written: u64 = 0;
    let mut sink = |data: &[u8]| -> Result<(), SinkError> {
        written += data.len() as u64;
        if written > limit {
            return Err(SinkError::TooBig(match announced {
                Some(size) if size <= free => {
                    format!("server sends more than the announced FileSize of {size} bytes")
                }
                _ => format!("file does not fit in {free} free bytes"),
            }));
        }
        stats.largest_block = stats.largest_block.max(data.len());
        file.write_all(data).map_err(SinkError::Io)
    };
    let framing = ok.head.framing;
    let delivered = stream_body(ok.link, ok.buf, ok.start, ok.filled, framing, &mut sink);
    let delivered = match delivered {
        Ok(n) => n,
        Err(BodyError::Read(e)) => return Err(Stop::body(e, Direction::Download)),
        Err(BodyError::Sink(SinkError::TooBig(msg))) => {
            return Err(Stop::fail(FaultCode::TRANSFER_FAILURE, msg));
        }
        Err(BodyError::Sink(SinkError::Io(e))) => {
            return Err(Stop::fail(
                FaultCode::TRANSFER_FAILURE,
                format_args!("cannot write {}: {e}", part.display()),
            ));
        }
    };
    stats.bytes = delivered;
    if let Some(size) = announced.filter(|&s| s != delivered) {
        return Err(Stop::fail(
            FaultCode::TRANSFER_FAILURE,
            format_args!("received {delivered} bytes but FileSize is {size}"),
        ));
    }
    Ok(file)
}

/// Makes the download durable under its final name.
fn commit(file: &mut File, part: &Path, destination: &Path, dir: &Path) -> io::Result<()> {
    file.sync_all()?;
    fs::rename(part, destination)?;
    File::open(dir)?.sync_all()
}
