//! A throw-away test CA and the rustls server configuration of the HTTPS test ACS.
//!
//! Responsible for generating (with `rcgen`, ECDSA P-256) a CA certificate and a server
//! certificate for the names a test asks for, plus a client certificate for mutual TLS, and for
//! the rustls `ServerConfig` (ring provider, TLS 1.2 and 1.3). Not responsible for sockets.

use std::io;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

/// A CA, and a server and a client certificate signed by it.
#[derive(Debug, Clone)]
pub struct TestPki {
    /// The CA certificate, PEM (what a CPE's `ssl_capath` file holds).
    pub ca_pem: String,
    /// The CA certificate, DER.
    pub ca_der: Vec<u8>,
    /// The server certificate, DER.
    pub server_der: Vec<u8>,
    /// The server key, PKCS#8 DER.
    pub server_key_der: Vec<u8>,
    /// The names in the server certificate.
    pub names: Vec<String>,
    /// A client certificate (CN `cwmp-bench CPE`, clientAuth), PEM.
    pub client_cert_pem: String,
    /// Its private key, PKCS#8 PEM.
    pub client_key_pem: String,
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

impl TestPki {
    /// A fresh CA and a server certificate whose subjectAltNames are `names` (IP addresses
    /// become IP SANs, anything else DNS SANs).
    pub fn generate(names: &[String]) -> io::Result<TestPki> {
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(other)?;
        ca.distinguished_name
            .push(DnType::CommonName, "cwmp-bench test CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().map_err(other)?;
        let ca_cert = ca.self_signed(&ca_key).map_err(other)?;
        let issuer = Issuer::new(ca, ca_key);

        let mut leaf = CertificateParams::new(names.to_vec()).map_err(other)?;
        leaf.distinguished_name.push(
            DnType::CommonName,
            names.first().map(String::as_str).unwrap_or("cwmp-bench"),
        );
        let leaf_key = KeyPair::generate().map_err(other)?;
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(other)?;

        let mut client = CertificateParams::new(Vec::<String>::new()).map_err(other)?;
        client
            .distinguished_name
            .push(DnType::CommonName, "cwmp-bench CPE");
        client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client_key = KeyPair::generate().map_err(other)?;
        let client_cert = client.signed_by(&client_key, &issuer).map_err(other)?;
        Ok(TestPki {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().to_vec(),
            server_der: leaf_cert.der().to_vec(),
            server_key_der: leaf_key.serialize_der(),
            names: names.to_vec(),
            client_cert_pem: client_cert.pem(),
            client_key_pem: client_key.serialize_pem(),
        })
    }

    /// The rustls server configuration presenting the server certificate (chain: leaf only,
    /// as most ACS deployments do; the CA is the trust anchor). With `require_client_cert`
    /// the handshake fails unless the client presents a certificate this CA signed.
    pub fn server_config(&self, require_client_cert: bool) -> io::Result<Arc<ServerConfig>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(other)?;
        let builder = if require_client_cert {
            let mut roots = RootCertStore::empty();
            roots
                .add(CertificateDer::from(self.ca_der.clone()))
                .map_err(other)?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(other)?;
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let config = builder
            .with_single_cert(
                vec![CertificateDer::from(self.server_der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key_der.clone())),
            )
            .map_err(other)?;
        Ok(Arc::new(config))
    }
}
