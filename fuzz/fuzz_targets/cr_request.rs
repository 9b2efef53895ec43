//! Feeds arbitrary bytes, in arbitrary pieces and at advancing times, to the Connection Request
//! server and checks every answer is a bounded, connection-closing HTTP response.
#![no_main]

use core::time::Duration;

use cwmp_core::http::cr::{CrConfig, CrServer, Handled, RequestReader, SessionState};
use cwmp_core::limits::{CR_MAX_REQUEST_BYTES, CR_MAX_RESPONSE_BYTES};
use cwmp_core::time::Instant;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Piece size and options come from the input's length, so raw captures work as seeds.
    let control = ((data.len() as u32).wrapping_mul(2_654_435_761) >> 24) as u8;
    let input = data;
    let Ok(mut server) = CrServer::new(&CrConfig::new(
        "/cr",
        "cpe-cr",
        "cr-secret",
        "OpenWrt-CPE",
        [0x42; 32],
    )) else {
        return;
    };
    let session = if control & 0x80 != 0 {
        SessionState::InProgress
    } else {
        SessionState::Idle
    };
    let step = usize::from(control & 0x3f) + 1;
    let input = &input[..input.len().min(CR_MAX_REQUEST_BYTES + 64)];
    let start = Instant::from_millis(1_000);
    let mut reader = RequestReader::new(start + Duration::from_secs(10));
    let mut now = start;
    let mut filled = 0;
    loop {
        filled = (filled + step).min(input.len());
        let mut out = heapless::Vec::<u8, CR_MAX_RESPONSE_BYTES>::new();
        match server.handle(&mut reader, &input[..filled], now, session, &mut out) {
            Ok(Handled::NeedMore) => {
                assert!(out.is_empty());
                if filled == input.len() {
                    // The client stops sending: the deadline must cut it off.
                    now = reader.deadline();
                    let r = server.handle(&mut reader, &input[..filled], now, session, &mut out);
                    assert!(matches!(r, Ok(Handled::Respond(_))));
                    assert!(out.ends_with(b"Connection: close\r\n\r\n"));
                    return;
                }
            }
            Ok(Handled::Respond(outcome)) => {
                assert!(out.starts_with(b"HTTP/1.1 "));
                assert!(out.ends_with(b"Content-Length: 0\r\nConnection: close\r\n\r\n"));
                let status = outcome.status().to_string();
                assert_eq!(&out[9..12], status.as_bytes());
                return;
            }
            Err(_) => panic!("response larger than CR_MAX_RESPONSE_BYTES"),
        }
        now = now + Duration::from_millis(u64::from(control & 0x0f) * 100);
    }
});
