//! Redirect following rules (TR-069 §3.4.5, digest §1.5).
//!
//! Responsible for counting successive redirects and refusing the sixth. Not responsible for
//! resolving `Location` (`Url::resolve`) nor for remembering the target: the session keeps the
//! redirected URL for the rest of the session only and never persists it.

use core::fmt;

use crate::limits::HTTP_MAX_REDIRECTS;

/// More than [`HTTP_MAX_REDIRECTS`] redirects in a row: the session fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyRedirects;

impl fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("too many redirects")
    }
}

/// Counts successive redirects of one session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedirectCounter {
    in_a_row: u8,
}

impl RedirectCounter {
    /// No redirect seen.
    pub const fn new() -> Self {
        RedirectCounter { in_a_row: 0 }
    }

    /// A redirect arrived: `Ok` to follow it, or the typed failure past the limit.
    pub fn on_redirect(&mut self) -> Result<(), TooManyRedirects> {
        if self.in_a_row >= HTTP_MAX_REDIRECTS {
            warn!("more than {} redirects in a row", HTTP_MAX_REDIRECTS);
            return Err(TooManyRedirects);
        }
        self.in_a_row += 1;
        Ok(())
    }

    /// Any other response arrived: the chain is over.
    pub fn on_other(&mut self) {
        self.in_a_row = 0;
    }

    /// Redirects followed in the current chain.
    pub const fn in_a_row(&self) -> u8 {
        self.in_a_row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_redirects_are_followed_the_sixth_fails() {
        let mut c = RedirectCounter::new();
        for _ in 0..HTTP_MAX_REDIRECTS {
            c.on_redirect().unwrap();
        }
        assert_eq!(c.on_redirect(), Err(TooManyRedirects));
    }

    #[test]
    fn another_response_ends_the_chain() {
        let mut c = RedirectCounter::new();
        for _ in 0..3 {
            for _ in 0..HTTP_MAX_REDIRECTS {
                c.on_redirect().unwrap();
            }
            c.on_other();
            assert_eq!(c.in_a_row(), 0);
        }
    }
}
