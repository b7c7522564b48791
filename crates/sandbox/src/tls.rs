//! A throw-away certificate authority and a server certificate it signs, generated at start-up,
//! so that clients can be pointed at the CA file and verify the sandbox like a real server.

use anyhow::Context as _;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};
use std::sync::Arc;

/// A freshly generated CA and the TLS configuration of a server whose certificate it signed.
pub struct SelfSigned {
    /// The CA certificate, PEM: what clients must trust.
    pub ca_pem: String,
    /// Server configuration (certificate for localhost, 127.0.0.1 and ::1; ALPN h2, http/1.1).
    pub server_config: Arc<rustls::ServerConfig>,
}

impl SelfSigned {
    /// Generates a CA and a server certificate for the loopback names and `also` (the address
    /// the server listens on, when it is not a loopback one).
    pub fn generate(also: Option<std::net::IpAddr>) -> anyhow::Result<SelfSigned> {
        let ca_key = KeyPair::generate().context("cannot generate the CA key")?;
        let mut ca_params = CertificateParams::default();
        let mut ca_name = DistinguishedName::new();
        ca_name.push(DnType::CommonName, "Ferry sandbox CA");
        ca_params.distinguished_name = ca_name;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params
            .self_signed(&ca_key)
            .context("cannot sign the CA certificate")?;
        let issuer = rcgen::Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().context("cannot generate the server key")?;
        let mut params = CertificateParams::new(vec!["localhost".to_string()])
            .context("cannot build the server certificate")?;
        params
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        params
            .subject_alt_names
            .push(SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()));
        if let Some(ip) = also.filter(|ip| !ip.is_loopback() && !ip.is_unspecified()) {
            params.subject_alt_names.push(SanType::IpAddress(ip));
        }
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, "localhost");
        params.distinguished_name = name;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = params
            .signed_by(&server_key, &issuer)
            .context("cannot sign the server certificate")?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(
                vec![server_cert.der().clone(), ca_cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
            )
            .context("cannot use the server certificate")?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(SelfSigned {
            ca_pem: ca_cert.pem(),
            server_config: Arc::new(config),
        })
    }
}
