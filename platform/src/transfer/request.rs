//! The request loop of one transfer: redirects and file-server authentication.
//!
//! Responsible for sending the transfer's request to its URL and following what comes back:
//! `401` → answer the challenge once with the RPC's Username/Password (core's `ClientAuth`:
//! Basic or Digest), `301/302/303/307/308` → the new location (core's `Url::resolve`, at most
//! `HTTP_MAX_REDIRECTS` in a row, authentication starting afresh there and credentials only
//! ever sent to the host of the original URL), a success status →
//! hand the connection and the head to the caller, anything else → the fault of
//! [`super::failure`]. Not responsible for the body of either direction.

use cwmp_core::http::auth::{ClientAuth, Credentials, Preemptive};
use cwmp_core::http::redirect::RedirectCounter;
use cwmp_core::http::url::{Url, UrlError};
use cwmp_core::sink::SliceSink;
use cwmp_core::soap::FaultCode;

use super::TransferOptions;
use super::blocking::{Link, Reactor};
use super::exchange::{Method, ResponseHead, read_head, write_request_head};
use super::failure::{Direction, Stop};

/// What the caller does with a successful response.
pub(crate) struct Success<'l, 'r, 'b> {
    /// The connection, positioned after the head.
    pub link: &'l mut Link<'r>,
    /// The head.
    pub head: &'l ResponseHead,
    /// The transfer buffer; `start..filled` holds the first body bytes.
    pub buf: &'b mut [u8],
    /// Start of the body bytes already read.
    pub start: usize,
    /// End of the bytes read.
    pub filled: usize,
}

/// Sends the request body on the connection (nothing for a GET); gets the transfer buffer.
pub(crate) type SendBody<'f> = dyn FnMut(&mut Link<'_>, &mut [u8]) -> Result<(), Stop> + 'f;

/// Parses a transfer URL; an unsupported scheme is 9013, any other defect the generic fault.
pub(crate) fn parse_url(text: &str, direction: Direction) -> Result<Url<'_>, Stop> {
    Url::parse(text).map_err(|e| match e {
        UrlError::UnsupportedScheme => Stop::fail(
            FaultCode::UNSUPPORTED_PROTOCOL,
            "only http and https transfers are supported",
        ),
        other => Stop::fail(direction.generic(), format_args!("bad URL: {other}")),
    })
}

/// 16 random bytes for a Digest cnonce.
fn entropy() -> [u8; 16] {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        // The OS random source failed; a cnonce must still differ between connections.
        log::warn!("no OS randomness for the Digest cnonce; using the clock");
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        bytes = t.to_le_bytes();
    }
    bytes
}

/// Sends the request (head, then `send_body`) until a success status, and runs `on_success`
/// on it. `success` lists the statuses that end the loop.
#[allow(clippy::too_many_arguments)]
pub(crate) fn perform<T>(
    reactor: &mut Reactor,
    options: &TransferOptions,
    url_text: &str,
    credentials: &Credentials<'_>,
    method: Method,
    direction: Direction,
    success: &[u16],
    buf: &mut [u8],
    send_body: &mut SendBody<'_>,
    on_success: &mut dyn FnMut(Success<'_, '_, '_>) -> Result<T, Stop>,
) -> Result<T, Stop> {
    let origin_host = parse_url(url_text, direction)?.host();
    let mut current = String::from(url_text);
    let mut auth = ClientAuth::new(Preemptive::Never, &entropy());
    let mut answered_challenge = false;
    let mut redirects = RedirectCounter::new();
    loop {
        let url = parse_url(&current, direction)?;
        let mut link = Link::open(
            reactor,
            &url,
            options.tls.as_ref(),
            &options.connect,
            options.silence_timeout,
        )
        .map_err(|e| Stop::connect(e, url.host()))?;
        auth.start_connection(&entropy());
        let head_len = write_request_head(
            buf,
            method,
            &url,
            &options.user_agent,
            &mut auth,
            credentials,
        )
        .map_err(|_| Stop::fail(direction.generic(), "request head too large"))?;
        let sent = link
            .write_all(buf.get(..head_len).unwrap_or(&[]))
            .map_err(|e| Stop::send(e, direction))
            .and_then(|()| send_body(&mut link, buf));
        let (head, start, filled) = match (sent, read_head(&mut link, buf)) {
            (_, Ok(answer)) => answer,
            // A server may answer (401, 413...) and close before taking the whole body.
            (Err(stop), Err(_)) => return Err(stop),
            (Ok(()), Err(e)) => return Err(Stop::head(e, direction)),
        };
        log::debug!("{} {}: HTTP {}", url.host(), url.target(), head.status);
        if success.contains(&head.status) {
            auth.on_accepted();
            return on_success(Success {
                link: &mut link,
                head: &head,
                buf,
                start,
                filled,
            });
        }
        match head.status {
            401 => {
                let refusal = if answered_challenge {
                    Some("file server rejected the credentials")
                } else if credentials.username.is_empty() {
                    Some("file server requires credentials and none were given")
                } else if !url.host().eq_ignore_ascii_case(origin_host) {
                    // The RPC's credentials are for the server the ACS named, not for
                    // wherever it redirects to.
                    Some(
                        "redirected file server asks for credentials; not sent off the original host",
                    )
                } else {
                    None
                };
                if let Some(reason) = refusal {
                    return Err(Stop::fail(FaultCode::TRANSFER_AUTH_FAILURE, reason));
                }
                auth.on_challenge(head.challenges.iter().map(String::as_str))
                    .map_err(|e| {
                        Stop::fail(
                            FaultCode::TRANSFER_AUTH_FAILURE,
                            format_args!("file server authentication: {e}"),
                        )
                    })?;
                answered_challenge = true;
            }
            301 | 302 | 303 | 307 | 308 if head.location.is_some() => {
                if head.status == 303 && direction == Direction::Upload {
                    return Err(Stop::status(head.status, direction));
                }
                redirects
                    .on_redirect()
                    .map_err(|e| Stop::fail(FaultCode::ACCESS_FILE_FAILURE, format_args!("{e}")))?;
                let location = head.location.as_deref().unwrap_or("");
                let next = url
                    .resolve(location)
                    .map_err(|e| Stop::fail(direction.generic(), format_args!("redirect: {e}")))?;
                let mut text = [0u8; cwmp_core::limits::HTTP_MAX_URL_LEN + 16];
                let mut sink = SliceSink::new(&mut text);
                next.write(&mut sink)
                    .map_err(|_| Stop::fail(direction.generic(), "redirect URL too long"))?;
                current = String::from_utf8_lossy(sink.written()).into_owned();
                log::info!("transfer redirected to {current}");
                auth = ClientAuth::new(Preemptive::Never, &entropy());
                answered_challenge = false;
            }
            status => return Err(Stop::status(status, direction)),
        }
        link.close();
    }
}
