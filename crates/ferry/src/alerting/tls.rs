//! TLS for alert email: rustls with the ring provider and the system's trust store plus an
//! optional CA file, the way `ferry_http::client_builder` sets up reqwest (which uses
//! `rustls_platform_verifier` for the same job), so a certificate an API call would trust is
//! trusted here too.

use anyhow::{Result, anyhow, bail};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use std::sync::Arc;
use tokio_rustls::TlsConnector;

/// The certificates an SMTP server's certificate may chain to besides the system's.
#[derive(Clone, Default)]
pub(crate) struct Trust {
    extra_roots: Vec<CertificateDer<'static>>,
}

impl Trust {
    /// The system's roots and those of `ca_pem` (PEM text of `alerts.email.ca_file`).
    pub(crate) fn new(ca_pem: Option<&str>) -> Result<Self> {
        let Some(pem) = ca_pem else {
            return Ok(Self::default());
        };
        let extra_roots = CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                anyhow!(
                    "alerts.email.ca_file is not valid PEM ({e}); give the file holding the CA \
                     certificate (-----BEGIN CERTIFICATE-----)"
                )
            })?;
        if extra_roots.is_empty() {
            bail!(
                "alerts.email.ca_file holds no certificate; give the PEM file with -----BEGIN \
                 CERTIFICATE-----"
            );
        }
        Ok(Self { extra_roots })
    }

    /// A connector verifying the server's certificate and name. Built per connection: the
    /// system's roots are read again, so a renewed CA bundle is seen without a restart.
    pub(crate) fn connector(&self) -> Result<TlsConnector> {
        // The same provider ferry-http installs for reqwest; installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = if self.extra_roots.is_empty() {
            rustls_platform_verifier::Verifier::new(provider.clone())
        } else {
            rustls_platform_verifier::Verifier::new_with_extra_roots(
                self.extra_roots.iter().cloned(),
                provider.clone(),
            )
        }
        .map_err(|e| {
            anyhow!(
                "cannot load the certificate authorities to verify the SMTP server ({e}): \
                 install the system's CA certificates (the ca-certificates package) or name \
                 the relay's CA in alerts.email.ca_file"
            )
        })?;
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| anyhow!("TLS protocol versions: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(TlsConnector::from(Arc::new(config)))
    }
}

/// The name the server's certificate must carry: the host of `alerts.email.smtp_url`.
pub(crate) fn server_name(host: &str) -> Result<ServerName<'static>> {
    ServerName::try_from(host.to_owned()).map_err(|_| {
        anyhow!(
            "alerts.email.smtp_url: {host:?} is neither a DNS name nor an IP address, so its \
             certificate cannot be verified"
        )
    })
}
