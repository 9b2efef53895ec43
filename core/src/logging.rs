//! Diagnostics that compile to `log`, `defmt` or nothing, depending on the crate features.
//!
//! Only primitive arguments (`&str`, integers) are passed, so the same call works with both
//! back ends.

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
