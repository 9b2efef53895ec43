//! HTTP/1.1 for a TR-069 CPE, sans-IO.
//!
//! The CPE is an HTTP client towards the ACS ([`request`], [`response`], [`cookies`], [`auth`],
//! [`redirect`]) and a tiny HTTP server for Connection Requests ([`cr`]). Every function here
//! takes bytes, time and entropy from the caller and gives bytes and decisions back; buffers
//! belong to the caller and every parser is bounded by the `HTTP_*`, `COOKIE_*`, `DIGEST_*` and
//! `CR_*` limits. Sockets, TLS, clocks and randomness are the platform's business.

pub mod auth;
pub mod basic;
pub mod chunked;
pub mod cookies;
pub mod cr;
pub mod digest;
pub mod headers;
pub mod redirect;
pub mod request;
pub mod response;
pub mod url;

#[cfg(test)]
mod vectors;
