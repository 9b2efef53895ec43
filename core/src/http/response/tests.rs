use super::*;
use crate::http::vectors;
use std::vec::Vec;

fn parse_all(raw: &[u8]) -> (u16, Vec<u8>, Persistence, usize) {
    let mut buf = Vec::from(raw);
    buf.resize(raw.len() + 64, 0);
    let mut p = ResponseParser::default();
    match p.parse(&mut buf, raw.len()).unwrap() {
        Status::Complete(r) => (r.status(), r.body().to_vec(), r.persistence(), r.consumed()),
        Status::Partial => panic!("partial"),
    }
}

/// Feeds `raw` byte by byte and returns the first complete response's status and body.
fn parse_bytewise(raw: &[u8], max_body: usize) -> Result<(u16, Vec<u8>), ResponseError> {
    let mut buf = std::vec![0u8; raw.len() + 1];
    let mut p = ResponseParser::new(max_body);
    for filled in 1..=raw.len() {
        buf[filled - 1] = raw[filled - 1];
        if let Status::Complete(r) = p.parse(&mut buf, filled)? {
            return Ok((r.status(), r.body().to_vec()));
        }
    }
    Err(ResponseError::Truncated)
}

#[test]
fn every_genieacs_cwmp_response_parses_bytewise_to_its_status_and_body() {
    let mut seen = 0;
    for scenario in vectors::scenarios() {
        for e in vectors::exchanges(&scenario) {
            let Some(resp) = e.response.as_deref() else {
                continue;
            };
            if e.kind != "cwmp" && e.kind != "nbi" {
                continue;
            }
            let raw = resp.as_bytes();
            let (status, body) = parse_bytewise(raw, HTTP_DEFAULT_MAX_BODY).unwrap();
            assert_eq!(status, e.status, "{scenario}");
            let (s2, body2, _, consumed) = parse_all(raw);
            assert_eq!((s2, &body2), (status, &body));
            assert_eq!(consumed, raw.len(), "{scenario}");
            if !resp.contains("chunked") {
                let split = resp.find("\r\n\r\n").unwrap() + 4;
                assert_eq!(body, &raw[split..]);
            }
            seen += 1;
        }
    }
    assert!(seen > 60, "only {seen} responses found");
}

#[test]
fn genieacs_inform_response_is_an_envelope_with_a_session_cookie() {
    let e = &vectors::exchanges("01_inform_bootstrap_boot")[0];
    let raw = e.response.as_deref().unwrap().as_bytes();
    let mut buf = Vec::from(raw);
    let mut p = ResponseParser::default();
    let Status::Complete(r) = p.parse(&mut buf, raw.len()).unwrap() else {
        panic!()
    };
    assert_eq!(r.persistence(), Persistence::KeepAlive);
    let cookies: Vec<_> = r.set_cookies().collect();
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].starts_with("session="));
    match r.outcome() {
        Outcome::Envelope { body } => {
            assert_eq!(body.len(), 521);
            assert!(body.starts_with(b"<?xml"));
        }
        o => panic!("{o:?}"),
    }
}

#[test]
fn genieacs_204_ends_the_session_and_closes() {
    let e = &vectors::exchanges("01_inform_bootstrap_boot")[1];
    let raw = e.response.as_deref().unwrap().as_bytes();
    let mut buf = Vec::from(raw);
    let Status::Complete(r) = ResponseParser::default()
        .parse(&mut buf, raw.len())
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.outcome(), Outcome::NoMoreRequests);
    assert_eq!(r.persistence(), Persistence::Close);
}

#[test]
fn genieacs_400_for_cwmp_1_4_namespace_is_a_session_failure() {
    let e = &vectors::exchanges("15_inform_cwmp_1_4_namespace")
        .into_iter()
        .find(|e| e.status == 400)
        .unwrap();
    let raw = e.response.as_deref().unwrap().as_bytes();
    let mut buf = Vec::from(raw);
    let Status::Complete(r) = ResponseParser::default()
        .parse(&mut buf, raw.len())
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.outcome(), Outcome::Failure { status: 400 });
    assert_eq!(r.body(), b"Unrecognized CWMP version");
    assert_eq!(r.persistence(), Persistence::Close);
}

#[test]
fn empty_200_means_no_more_requests() {
    let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    let mut buf = Vec::from(&raw[..]);
    buf.push(0);
    let Status::Complete(r) = ResponseParser::default()
        .parse(&mut buf, raw.len())
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.outcome(), Outcome::NoMoreRequests);
    assert_eq!(r.persistence(), Persistence::KeepAlive);
}

#[test]
fn redirects_need_a_location() {
    for (raw, want) in [
        (
            &b"HTTP/1.1 302 Found\r\nLocation: http://acs2/\r\nContent-Length: 0\r\n\r\n"[..],
            Outcome::Redirect {
                location: "http://acs2/",
            },
        ),
        (
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
            Outcome::Redirect { location: "/x" },
        ),
        (
            b"HTTP/1.1 301 Moved\r\nlocation: https://a/b\r\nContent-Length: 0\r\n\r\n",
            Outcome::Redirect {
                location: "https://a/b",
            },
        ),
        (
            b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n",
            Outcome::Failure { status: 302 },
        ),
        (
            b"HTTP/1.1 303 See Other\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
            Outcome::Failure { status: 303 },
        ),
    ] {
        let mut buf = Vec::from(raw);
        buf.push(0);
        let Status::Complete(r) = ResponseParser::default()
            .parse(&mut buf, raw.len())
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(r.outcome(), want);
    }
}

#[test]
fn challenge_401_exposes_every_www_authenticate_field() {
    let raw = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"a\", nonce=\"n\", algorithm=SHA-256\r\nWWW-Authenticate: Basic realm=\"a\"\r\nContent-Length: 0\r\n\r\n";
    let mut buf = Vec::from(&raw[..]);
    buf.push(0);
    let Status::Complete(r) = ResponseParser::default()
        .parse(&mut buf, raw.len())
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.outcome(), Outcome::AuthChallenge);
    let c: Vec<_> = r.challenges().collect();
    assert_eq!(
        c,
        [
            "Digest realm=\"a\", nonce=\"n\", algorithm=SHA-256",
            "Basic realm=\"a\""
        ]
    );
}

#[test]
fn interim_100_continue_is_skipped() {
    let raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
    let (status, body) = parse_bytewise(raw, 10).unwrap();
    assert_eq!((status, body.len()), (204, 0));
    let (_, _, _, consumed) = parse_all(raw);
    assert_eq!(consumed, raw.len());
}

#[test]
fn switching_protocols_is_refused() {
    let raw = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n";
    assert_eq!(
        parse_bytewise(raw, 10),
        Err(ResponseError::SwitchingProtocols)
    );
}

#[test]
fn chunked_response_split_at_every_byte_position_parses_the_same() {
    let e = &vectors::exchanges("14_connection_request_wrong_credentials")
        .into_iter()
        .find(|e| e.kind == "nbi" && e.request.starts_with("GET /tasks/"))
        .unwrap();
    let raw = e.response.as_deref().unwrap().as_bytes();
    let (_, whole, persistence, consumed) = parse_all(raw);
    assert_eq!(persistence, Persistence::Close);
    assert_eq!(consumed, raw.len());
    assert_eq!(whole.len(), 2 + 0xb8 + 2);
    for split in 0..raw.len() {
        let mut buf = Vec::from(raw);
        let mut p = ResponseParser::default();
        let first = p.parse(&mut buf, split).unwrap();
        assert!(matches!(first, Status::Partial), "split {split}");
        let Status::Complete(r) = p.parse(&mut buf, raw.len()).unwrap() else {
            panic!("split {split}")
        };
        assert_eq!(r.body(), &whole[..], "split {split}");
        assert_eq!(r.consumed(), raw.len());
    }
}

#[test]
fn chunked_envelope_classifies_like_a_content_length_one() {
    let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<env>\r\n6\r\n</env>\r\n0\r\n\r\n";
    let (status, body) = parse_bytewise(raw, 100).unwrap();
    assert_eq!(status, 200);
    assert_eq!(body, b"<env></env>");
}

#[test]
fn body_delimited_by_close_completes_at_finish() {
    let raw = b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n<a/>";
    let mut buf = Vec::from(&raw[..]);
    buf.resize(100, 0);
    let mut p = ResponseParser::default();
    assert!(matches!(
        p.parse(&mut buf, raw.len()).unwrap(),
        Status::Partial
    ));
    let r = p.finish(&mut buf, raw.len()).unwrap();
    assert_eq!(r.body(), b"<a/>");
    assert_eq!(r.persistence(), Persistence::Close);
}

#[test]
fn close_mid_body_is_truncation() {
    let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n<a/>";
    let mut buf = Vec::from(&raw[..]);
    buf.resize(100, 0);
    let mut p = ResponseParser::default();
    assert!(matches!(
        p.parse(&mut buf, raw.len()).unwrap(),
        Status::Partial
    ));
    assert_eq!(
        p.finish(&mut buf, raw.len()).err(),
        Some(ResponseError::Truncated)
    );
    let mut p = ResponseParser::default();
    assert_eq!(p.finish(&mut buf, 10).err(), Some(ResponseError::Truncated));
}

#[test]
fn http_1_0_closes_unless_keep_alive() {
    let (.., p, _) = parse_all(b"HTTP/1.0 204 No Content\r\n\r\n");
    assert_eq!(p, Persistence::Close);
    let (.., p, _) = parse_all(b"HTTP/1.0 204 No Content\r\nConnection: Keep-Alive\r\n\r\n");
    assert_eq!(p, Persistence::KeepAlive);
    let (.., p, _) = parse_all(b"HTTP/1.1 204 No Content\r\nConnection: keep-alive, close\r\n\r\n");
    assert_eq!(p, Persistence::Close);
}

#[test]
fn chunked_with_content_length_uses_chunked_and_closes() {
    let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n";
    let (_, body, p, _) = parse_all(raw);
    assert_eq!(body, b"x");
    assert_eq!(p, Persistence::Close);
}

#[test]
fn consumed_stops_before_following_bytes() {
    let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabHTTP/1.1";
    let (_, body, _, consumed) = parse_all(raw);
    assert_eq!(body, b"ab");
    assert_eq!(consumed, raw.len() - 8);
}

#[test]
fn content_length_over_cap_is_refused_before_the_body_arrives() {
    let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n";
    assert_eq!(parse_bytewise(raw, 100), Err(ResponseError::BodyTooLarge));
    let mut raw = Vec::from(&b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"[..]);
    raw.extend_from_slice(&[b'x'; 100]);
    assert_eq!(parse_bytewise(&raw, 100).unwrap().1.len(), 100);
}

#[test]
fn chunked_body_over_cap_is_refused() {
    let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n";
    assert_eq!(parse_bytewise(raw, 15), Err(ResponseError::BodyTooLarge));
    assert_eq!(parse_bytewise(raw, 16).unwrap().1.len(), 16);
}

#[test]
fn body_until_close_over_cap_is_refused() {
    let mut raw = Vec::from(&b"HTTP/1.1 200 OK\r\n\r\n"[..]);
    raw.extend_from_slice(&[b'x'; 20]);
    assert_eq!(parse_bytewise(&raw, 19), Err(ResponseError::BodyTooLarge));
}

#[test]
fn header_flood_is_refused() {
    let mut raw = Vec::from(&b"HTTP/1.1 200 OK\r\n"[..]);
    for i in 0..=HTTP_MAX_RESPONSE_HEADERS {
        raw.extend_from_slice(std::format!("X-{i}: y\r\n").as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    assert_eq!(parse_bytewise(&raw, 10), Err(ResponseError::TooManyHeaders));
}

#[test]
fn oversized_header_line_is_refused_before_it_ends() {
    let mut raw = Vec::from(&b"HTTP/1.1 200 OK\r\nSet-Cookie: a="[..]);
    raw.extend(core::iter::repeat_n(b'v', HTTP_MAX_HEADER_LINE));
    assert_eq!(
        parse_bytewise(&raw, 10),
        Err(ResponseError::HeaderLineTooLarge)
    );
    // A line at the limit is fine.
    let mut raw = Vec::from(&b"HTTP/1.1 204 No Content\r\nX: "[..]);
    raw.extend(core::iter::repeat_n(b'v', HTTP_MAX_HEADER_LINE - 3));
    raw.extend_from_slice(b"\r\n\r\n");
    assert_eq!(parse_bytewise(&raw, 10).unwrap().0, 204);
}

#[test]
fn oversized_head_is_refused_before_it_ends() {
    let mut raw = Vec::from(&b"HTTP/1.1 200 OK\r\n"[..]);
    while raw.len() <= HTTP_MAX_HEAD_BYTES {
        raw.extend_from_slice(b"X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    assert_eq!(parse_bytewise(&raw, 10), Err(ResponseError::HeadTooLarge));
}

#[test]
fn malformed_heads_and_framing_fields_are_typed_errors() {
    let cases: &[(&[u8], ResponseError)] = &[
        (b"HTTX/1.1 200 OK\r\n\r\n", ResponseError::Malformed),
        (b"HTTP/1.1 2000 OK\r\n\r\n", ResponseError::Malformed),
        (
            b"HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n",
            ResponseError::Malformed,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            ResponseError::InvalidContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
            ResponseError::InvalidContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            ResponseError::ConflictingContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            ResponseError::UnsupportedTransferEncoding,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            ResponseError::Chunked(ChunkedError::InvalidSize),
        ),
    ];
    for (raw, want) in cases {
        let mut buf = Vec::from(*raw);
        buf.push(0);
        let got = ResponseParser::default().parse(&mut buf, raw.len()).err();
        assert_eq!(
            got,
            Some(*want),
            "{}",
            std::string::String::from_utf8_lossy(raw)
        );
    }
}

#[test]
fn full_buffer_without_a_complete_response_is_an_error() {
    let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n0123456789";
    let mut buf = Vec::from(&raw[..]);
    assert_eq!(
        ResponseParser::default().parse(&mut buf, raw.len()).err(),
        Some(ResponseError::BufferFull)
    );
    let raw = b"HTTP/1.1 200 OK\r\n";
    let mut buf = Vec::from(&raw[..]);
    assert_eq!(
        ResponseParser::default().parse(&mut buf, raw.len()).err(),
        Some(ResponseError::BufferFull)
    );
}

#[test]
fn reset_parser_reads_the_next_response() {
    let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
    let mut buf = Vec::from(&raw[..]);
    buf.push(0);
    let mut p = ResponseParser::new(10);
    assert!(matches!(
        p.parse(&mut buf, raw.len()).unwrap(),
        Status::Complete(_)
    ));
    p.reset();
    let raw2 = b"HTTP/1.1 204 No Content\r\n\r\n";
    buf[..raw2.len()].copy_from_slice(raw2);
    let Status::Complete(r) = p.parse(&mut buf, raw2.len()).unwrap() else {
        panic!()
    };
    assert_eq!(r.status(), 204);
}
