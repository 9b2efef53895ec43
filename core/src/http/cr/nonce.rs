//! Stateless Digest nonces for the Connection Request server.
//!
//! Responsible for issuing nonces that carry their own issue time and a keyed MAC
//! (HMAC-SHA-256 under a secret the caller draws at start-up), and for checking them later
//! without any per-nonce state: forged or altered nonces fail the MAC, old ones are reported
//! as stale. Also derives the constant `opaque`. Not responsible for replay detection within
//! the lifetime (a replayed valid request can only trigger a session, which the rate limit
//! and the session coalescing of the caller bound) nor for drawing the secret.

use core::time::Duration;

use sha2::{Digest as _, Sha256};

use super::super::digest::{constant_time_eq, hex_encode};
use crate::time::Instant;

/// Bytes of the MAC kept in a nonce (128 bits).
const MAC_LEN: usize = 16;
/// Length of a nonce: 16 hex digits of issue time + 32 hex digits of MAC.
pub const NONCE_LEN: usize = 16 + 2 * MAC_LEN;
/// Length of the opaque value in hex.
pub const OPAQUE_LEN: usize = 2 * MAC_LEN;

/// HMAC-SHA-256 (RFC 2104) of the concatenation of `parts` under `key`.
pub fn hmac_sha256(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut ipad = [0x36u8; BLOCK];
    let mut opad = [0x5cu8; BLOCK];
    // The key is 32 bytes, shorter than the block, so it is used as is (zero padded).
    for (i, k) in key.iter().enumerate() {
        ipad[i] ^= k;
        opad[i] ^= k;
    }
    let mut inner = Sha256::new();
    inner.update(ipad);
    for p in parts {
        inner.update(p);
    }
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(opad);
    outer.update(inner.as_slice());
    let mut out = [0u8; 32];
    out.copy_from_slice(outer.finalize().as_slice());
    out
}

/// What a nonce check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceCheck {
    /// Issued by us and still within its lifetime.
    Valid,
    /// Issued by us but older than the lifetime: challenge again with `stale=true`.
    Stale,
    /// Not issued by us (bad length, bad hex, bad MAC, or from the future).
    Invalid,
}

/// Issues and checks nonces under one secret.
#[derive(Clone)]
pub struct NonceKey {
    secret: [u8; 32],
    lifetime: Duration,
}

impl core::fmt::Debug for NonceKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NonceKey")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl NonceKey {
    /// A key from 32 secret random bytes; nonces older than `lifetime` are stale.
    pub const fn new(secret: [u8; 32], lifetime: Duration) -> Self {
        NonceKey { secret, lifetime }
    }

    /// A nonce issued at `now`, as ASCII hex.
    pub fn issue(&self, now: Instant) -> [u8; NONCE_LEN] {
        let issued = now.as_millis().to_be_bytes();
        let mut out = [0u8; NONCE_LEN];
        hex_encode(&issued, &mut out[..16]);
        let mac = hmac_sha256(&self.secret, &[b"cwmpd-cr-nonce:", &issued]);
        hex_encode(&mac[..MAC_LEN], &mut out[16..]);
        out
    }

    /// Checks a nonce received at `now`.
    pub fn check(&self, nonce: &[u8], now: Instant) -> NonceCheck {
        if nonce.len() != NONCE_LEN {
            return NonceCheck::Invalid;
        }
        // The length was checked: 16 time digits, then the MAC.
        let Some(issued_ms) = parse_hex_u64(&nonce[..16]) else {
            return NonceCheck::Invalid;
        };
        let expected = self.issue(Instant::from_millis(issued_ms));
        // Compare the MAC only; the time digits are what it was computed from.
        if !constant_time_eq(&expected[16..], &lower(&nonce[16..])) {
            return NonceCheck::Invalid;
        }
        let issued = Instant::from_millis(issued_ms);
        if issued > now {
            return NonceCheck::Invalid;
        }
        if now.saturating_since(issued) > self.lifetime {
            NonceCheck::Stale
        } else {
            NonceCheck::Valid
        }
    }

    /// The `opaque` value sent with every challenge, as ASCII hex.
    pub fn opaque(&self) -> [u8; OPAQUE_LEN] {
        let mac = hmac_sha256(&self.secret, &[b"cwmpd-cr-opaque"]);
        let mut out = [0u8; OPAQUE_LEN];
        hex_encode(&mac[..MAC_LEN], &mut out);
        out
    }
}

fn lower(hex: &[u8]) -> [u8; 2 * MAC_LEN] {
    let mut out = [0u8; 2 * MAC_LEN];
    for (o, h) in out.iter_mut().zip(hex) {
        *o = h.to_ascii_lowercase();
    }
    out
}

fn parse_hex_u64(hex: &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for &b in hex {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return None,
        };
        v = v << 4 | u64::from(d);
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: [u8; 32] = [7; 32];

    #[test]
    fn hmac_sha256_rfc4231_case_2_shape() {
        // RFC 4231 test case 2 uses a 4-byte key ("Jefe"); a 32-byte zero-padded key is the
        // same HMAC, since keys shorter than the block are zero padded.
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let mac = hmac_sha256(&key, &[b"what do ya want ", b"for nothing?"]);
        let mut hex = [0u8; 64];
        hex_encode(&mac, &mut hex);
        assert_eq!(
            &hex[..],
            b"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn fresh_nonce_is_valid_until_its_lifetime_then_stale() {
        let key = NonceKey::new(SECRET, Duration::from_secs(60));
        let t0 = Instant::from_millis(1_000_000);
        let n = key.issue(t0);
        assert_eq!(key.check(&n, t0), NonceCheck::Valid);
        assert_eq!(
            key.check(&n, t0 + Duration::from_secs(60)),
            NonceCheck::Valid
        );
        assert_eq!(
            key.check(&n, t0 + Duration::from_secs(61)),
            NonceCheck::Stale
        );
    }

    #[test]
    fn altered_forged_or_future_nonces_are_invalid() {
        let key = NonceKey::new(SECRET, Duration::from_secs(60));
        let t0 = Instant::from_millis(5_000);
        let n = key.issue(t0);
        for i in 0..NONCE_LEN {
            let mut bad = n;
            bad[i] = if bad[i] == b'0' { b'1' } else { b'0' };
            assert_eq!(key.check(&bad, t0), NonceCheck::Invalid, "byte {i}");
        }
        let other = NonceKey::new([8; 32], Duration::from_secs(60));
        assert_eq!(other.check(&n, t0), NonceCheck::Invalid);
        assert_eq!(key.check(&n[..40], t0), NonceCheck::Invalid);
        assert_eq!(
            key.check(b"d6bce101a3710480860df06ddde2d875", t0),
            NonceCheck::Invalid
        );
        assert_eq!(
            key.check(&n, Instant::from_millis(4_999)),
            NonceCheck::Invalid
        );
        let mut zz = n;
        zz[0] = b'z';
        assert_eq!(key.check(&zz, t0), NonceCheck::Invalid);
    }

    #[test]
    fn upper_case_mac_is_accepted() {
        let key = NonceKey::new(SECRET, Duration::from_secs(60));
        let t0 = Instant::from_millis(5_000);
        let mut n = key.issue(t0);
        n.make_ascii_uppercase();
        assert_eq!(key.check(&n, t0), NonceCheck::Valid);
    }

    #[test]
    fn nonces_differ_per_millisecond_and_opaque_is_stable() {
        let key = NonceKey::new(SECRET, Duration::from_secs(60));
        assert_ne!(
            key.issue(Instant::from_millis(1)),
            key.issue(Instant::from_millis(2))
        );
        assert_eq!(key.opaque(), key.opaque());
        assert_ne!(
            key.opaque(),
            NonceKey::new([1; 32], Duration::ZERO).opaque()
        );
    }
}
