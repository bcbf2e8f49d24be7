//! A certificate authority and a server certificate made for one test (ECDSA P-256, rcgen).

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

/// A CA and a server certificate it signed for one host name.
#[derive(Debug, Clone)]
pub struct TestPki {
    /// The CA certificate (PEM): the `sslrootcert` that trusts the server.
    pub ca_pem: String,
    /// The server certificate followed by the CA (PEM): PostgreSQL's `ssl_cert_file`.
    pub server_chain_pem: String,
    /// The server's private key (PEM): `ssl_key_file`.
    pub server_key_pem: String,
}

/// A self-signed CA certificate named `name` and its signer.
///
/// # Panics
/// When rcgen cannot make it (never with these parameters).
#[must_use]
pub fn certificate_authority(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("CA key")).expect("CA")
}

impl TestPki {
    /// A new CA and a certificate for `server_name` signed by it.
    ///
    /// # Panics
    /// As [`certificate_authority`].
    #[must_use]
    pub fn new(server_name: &str) -> Self {
        let ca = certificate_authority("Atende test CA");
        let key = KeyPair::generate().expect("server key");
        let cert = CertificateParams::new(vec![server_name.to_owned()])
            .expect("server parameters")
            .signed_by(&key, &ca)
            .expect("server certificate");
        Self {
            ca_pem: ca.pem(),
            server_chain_pem: format!("{}{}", cert.pem(), ca.pem()),
            server_key_pem: key.serialize_pem(),
        }
    }
}
