//! Upload: a local file sent with HTTP(S) PUT (TR-069 Upload RPC, digest §1.7, §11.5).
//!
//! Responsible for streaming the file in fixed blocks after a head announcing its length
//! (re-read from the start when a challenge or redirect makes the request go again), and for
//! checking that the file still has that length while it is sent. Not responsible for
//! producing the file (configuration or log snapshot).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use cwmp_core::http::auth::Credentials;
use cwmp_core::soap::FaultCode;

use super::blocking::Reactor;
use super::exchange::{Framing, Method, stream_body};
use super::failure::{Direction, Stop};
use super::request::{Success, parse_url, perform};
use super::{TransferOptions, TransferStats, Upload};

/// Runs an upload to completion.
pub(crate) fn run(
    reactor: &mut Reactor,
    request: &Upload,
    options: &TransferOptions,
    buf: &mut [u8],
    stats: &mut TransferStats,
) -> Result<(), Stop> {
    parse_url(&request.url, Direction::Upload)?;
    let cannot_read = |e: std::io::Error| {
        Stop::fail(
            FaultCode::UPLOAD_FAILURE,
            format_args!("cannot read {}: {e}", request.source.display()),
        )
    };
    let mut file = File::open(&request.source).map_err(cannot_read)?;
    let len = file.metadata().map_err(cannot_read)?.len();
    let credentials = Credentials {
        username: &request.username,
        password: &request.password,
    };
    let mut largest = 0;
    let mut send_body = |link: &mut super::blocking::Link<'_>, buf: &mut [u8]| {
        file.seek(SeekFrom::Start(0)).map_err(cannot_read)?;
        let mut sent: u64 = 0;
        while sent < len {
            let n = file.read(buf).map_err(cannot_read)?;
            if n == 0 {
                return Err(Stop::fail(
                    FaultCode::UPLOAD_FAILURE,
                    format_args!("{} shrank while being sent", request.source.display()),
                ));
            }
            // Never send more than announced, even if the file grew meanwhile.
            let n = n.min(usize::try_from(len - sent).unwrap_or(usize::MAX));
            let block = buf.get(..n).unwrap_or(&[]);
            link.write_all(block)
                .map_err(|e| Stop::send(e, Direction::Upload))?;
            largest = largest.max(n);
            sent += n as u64;
        }
        Ok(())
    };
    perform(
        reactor,
        options,
        &request.url,
        &credentials,
        Method::Put { len },
        Direction::Upload,
        &[200, 201, 204],
        buf,
        &mut send_body,
        &mut |ok: Success<'_, '_, '_>| {
            // Read (and drop) a short answer body so the server is not reset mid-reply.
            if matches!(ok.head.framing, Framing::Length(n) if n <= 4096) {
                let _ = stream_body(
                    ok.link,
                    ok.buf,
                    ok.start,
                    ok.filled,
                    ok.head.framing,
                    &mut |_| Ok::<(), ()>(()),
                );
            }
            Ok(())
        },
    )?;
    stats.bytes = len;
    stats.largest_block = largest;
    Ok(())
}
