//! Diagnostics that compile to `log`, `defmt` or nothing, depending on the crate features.
//!
//! Only primitive arguments (`&str`, integers) are passed, so the same call works with both
//! back ends; anything else that implements `Display` (an error value) goes through [`Shown`].

#[allow(unused_macros)]
macro_rules! log_at {
    ($log:ident, $defmt:ident, $($arg:tt)*) => {{
        #[cfg(feature = "log")]
        ::log::$log!($($arg)*);
        #[cfg(feature = "defmt")]
        ::defmt::$defmt!($($arg)*);
        #[cfg(not(any(feature = "log", feature = "defmt")))]
        {
            let _ = format_args!($($arg)*);
        }
    }};
}

#[allow(unused_macros)]
macro_rules! error { ($($arg:tt)*) => { log_at!(error, error, $($arg)*) }; }
#[allow(unused_macros)]
macro_rules! warn { ($($arg:tt)*) => { log_at!(warn, warn, $($arg)*) }; }
#[allow(unused_macros)]
macro_rules! info { ($($arg:tt)*) => { log_at!(info, info, $($arg)*) }; }
#[allow(unused_macros)]
macro_rules! debug { ($($arg:tt)*) => { log_at!(debug, debug, $($arg)*) }; }
#[allow(unused_macros)]
macro_rules! trace { ($($arg:tt)*) => { log_at!(trace, trace, $($arg)*) }; }

/// A `Display` value as a log argument for either back end (`defmt` shows it through
/// `Display2Format`).
#[allow(dead_code)]
pub(crate) struct Shown<'a, T: ?Sized>(pub &'a T);

impl<T: core::fmt::Display + ?Sized> core::fmt::Display for Shown<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(feature = "defmt")]
impl<T: core::fmt::Display + ?Sized> defmt::Format for Shown<'_, T> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{}", defmt::Display2Format(self.0));
    }
}
