//! HTTP Basic authentication (RFC 7617) credentials and the base64 they are written in.
//!
//! Responsible for writing the `Basic <base64(user:pass)>` credentials value without building
//! the `user:pass` string first. Not responsible for deciding when Basic may be sent (that is
//! `auth`), and not for decoding: the Connection Request server never accepts Basic.

use crate::sink::{Full, Sink};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Streaming base64 encoder (standard alphabet, with padding) writing into a sink.
#[derive(Debug)]
pub struct Base64<'s, S: Sink + ?Sized> {
    sink: &'s mut S,
    carry: [u8; 3],
    len: usize,
}

impl<'s, S: Sink + ?Sized> Base64<'s, S> {
    /// An encoder writing into `sink`.
    pub fn new(sink: &'s mut S) -> Self {
        Base64 {
            sink,
            carry: [0; 3],
            len: 0,
        }
    }

    /// Encodes more input.
    pub fn feed(&mut self, data: &[u8]) -> Result<(), Full> {
        for &b in data {
            // `len` is reset to 0 whenever it reaches 3, so it indexes the 3-byte carry.
            self.carry[self.len] = b;
            self.len += 1;
            if self.len == 3 {
                self.emit(3)?;
                self.len = 0;
            }
        }
        Ok(())
    }

    /// Writes the last group with its padding.
    pub fn finish(mut self) -> Result<(), Full> {
        if self.len > 0 {
            for slot in &mut self.carry[self.len..] {
                *slot = 0;
            }
            self.emit(self.len)?;
        }
        Ok(())
    }

    fn emit(&mut self, n: usize) -> Result<(), Full> {
        let [a, b, c] = self.carry;
        // Every index below is a 6-bit value, within the 64-entry alphabet.
        let quad = [
            ALPHABET[usize::from(a >> 2)],
            ALPHABET[usize::from((a & 0x03) << 4 | b >> 4)],
            if n > 1 {
                ALPHABET[usize::from((b & 0x0f) << 2 | c >> 6)]
            } else {
                b'='
            },
            if n > 2 {
                ALPHABET[usize::from(c & 0x3f)]
            } else {
                b'='
            },
        ];
        self.sink.write(&quad)
    }
}

/// Writes `Basic <base64(username:password)>`.
pub fn write_credentials<S: Sink + ?Sized>(
    username: &str,
    password: &str,
    sink: &mut S,
) -> Result<(), Full> {
    sink.write_str("Basic ")?;
    let mut enc = Base64::new(sink);
    enc.feed(username.as_bytes())?;
    enc.feed(b":")?;
    enc.feed(password.as_bytes())?;
    enc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use heapless::Vec;

    fn b64(data: &[u8]) -> Vec<u8, 64> {
        let mut out = Vec::new();
        let mut e = Base64::new(&mut out);
        e.feed(data).unwrap();
        e.finish().unwrap();
        out
    }

    #[test]
    fn rfc4648_test_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(&b64(input.as_bytes())[..], want.as_bytes(), "{input}");
        }
    }

    #[test]
    fn rfc7617_example_credentials() {
        let mut out: Vec<u8, 64> = Vec::new();
        write_credentials("Aladdin", "open sesame", &mut out).unwrap();
        assert_eq!(&out[..], b"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    }

    #[test]
    fn agrees_with_http_auth_for_utf8_credentials() {
        let mut out: Vec<u8, 64> = Vec::new();
        write_credentials("us\u{e9}r", "p\u{e4}ss:x", &mut out).unwrap();
        let want = http_auth::basic::encode_credentials("us\u{e9}r", "p\u{e4}ss:x");
        assert_eq!(&out[..], want.as_bytes());
    }

    #[test]
    fn full_sink_is_reported() {
        let mut out: Vec<u8, 8> = Vec::new();
        assert_eq!(write_credentials("user", "password", &mut out), Err(Full));
    }
}
