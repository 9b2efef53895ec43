//! SHA-1 (FIPS 180-4, RFC 3174), for name-based (version 5) UUIDs only.
//!
//! Responsible for the digest of a byte string fed in pieces. Not a security primitive here:
//! RFC 4122 §4.3 defines version 5 UUIDs with SHA-1, and TR-181 Annex C requires exactly that
//! derivation, so no other hash would do. The workspace has MD5 and SHA-256 (Digest
//! authentication) but no SHA-1, and `ring` exists only in TLS builds.

/// A running SHA-1 computation.
#[derive(Debug, Clone)]
pub struct Sha1 {
    state: [u32; 5],
    block: [u8; 64],
    /// Bytes of `block` in use.
    filled: usize,
    /// Message length so far, in bytes.
    length: u64,
}

impl Default for Sha1 {
    fn default() -> Self {
        Sha1::new()
    }
}

impl Sha1 {
    /// The initial state (FIPS 180-4 §5.3.1).
    pub fn new() -> Sha1 {
        Sha1 {
            state: [
                0x6745_2301,
                0xEFCD_AB89,
                0x98BA_DCFE,
                0x1032_5476,
                0xC3D2_E1F0,
            ],
            block: [0; 64],
            filled: 0,
            length: 0,
        }
    }

    /// Feeds more of the message.
    pub fn update(&mut self, mut data: &[u8]) {
        self.length = self.length.wrapping_add(data.len() as u64);
        while !data.is_empty() {
            let take = (64 - self.filled).min(data.len());
            self.block[self.filled..self.filled + take].copy_from_slice(&data[..take]);
            self.filled += take;
            data = &data[take..];
            if self.filled == 64 {
                let block = self.block;
                self.compress(&block);
                self.filled = 0;
            }
        }
    }

    /// The 20-byte digest of everything fed.
    pub fn finish(mut self) -> [u8; 20] {
        let bits = self.length.wrapping_mul(8);
        self.update(&[0x80]);
        while self.filled != 56 {
            self.update(&[0]);
        }
        self.update(&bits.to_be_bytes());
        let mut out = [0u8; 20];
        for (chunk, word) in out.chunks_exact_mut(4).zip(self.state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    fn compress(&mut self, block: &[u8; 64]) {
        let mut w = [0u32; 80];
        for (i, chunk) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = self.state;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (s, v) in self.state.iter_mut().zip([a, b, c, d, e]) {
            *s = s.wrapping_add(v);
        }
    }
}

/// The SHA-1 digest of `data`.
pub fn digest(data: &[u8]) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(data);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: [u8; 20]) -> String {
        d.iter().map(|b| format!("{b:02X}")).collect()
    }

    // The four test cases of RFC 3174 §7.3.

    #[test]
    fn rfc3174_test1_abc() {
        assert_eq!(
            hex(digest(b"abc")),
            "A9993E364706816ABA3E25717850C26C9CD0D89D"
        );
    }

    #[test]
    fn rfc3174_test2_two_blocks() {
        assert_eq!(
            hex(digest(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983E441C3BD26EBAAE4AA1F95129E5E54670F1"
        );
    }

    #[test]
    fn rfc3174_test3_a_million_a_fed_one_byte_at_a_time() {
        let mut h = Sha1::new();
        for _ in 0..1_000_000 {
            h.update(b"a");
        }
        assert_eq!(hex(h.finish()), "34AA973CD4C4DAA4F61EEB2BDBAD27316534016F");
    }

    #[test]
    fn rfc3174_test4_repeated_64_bytes() {
        let mut h = Sha1::new();
        for _ in 0..10 {
            h.update(b"0123456701234567012345670123456701234567012345670123456701234567");
        }
        assert_eq!(hex(h.finish()), "DEA356A2CDDD90C7A7ECEDC5EBB563934F460452");
    }

    #[test]
    fn empty_message() {
        assert_eq!(hex(digest(b"")), "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
    }

    #[test]
    fn pieces_of_any_size_give_the_same_digest() {
        let msg: Vec<u8> = (0..200u8).collect();
        for split in [1, 55, 56, 63, 64, 65, 127, 199] {
            let mut h = Sha1::new();
            h.update(&msg[..split]);
            h.update(&msg[split..]);
            assert_eq!(h.finish(), digest(&msg), "split at {split}");
        }
    }
}
