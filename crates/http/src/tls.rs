//! The HTTP client every connector uses: rustls with the ring provider, the system's trust
//! store, and optionally one extra certificate authority (a sandbox's, or a corporate proxy's).

use crate::Error;
use std::time::Duration;

/// A reqwest client builder with Ferry's defaults: no redirects (an API that redirects is
/// misconfigured, and following one could resend credentials elsewhere), a connect timeout,
/// pooled keep-alive connections, and `ca_pem` (PEM text) trusted besides the system roots.
pub fn client_builder(ca_pem: Option<&str>) -> Result<reqwest::ClientBuilder, Error> {
    // reqwest is built without a bundled provider; installing ring twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(60))
        .user_agent(concat!("ferry/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = ca_pem {
        let mut reader = pem.as_bytes();
        let mut found = 0;
        for cert in rustls_pemfile::certs(&mut reader) {
            let cert = cert.map_err(|e| Error::Config {
                message: format!(
                    "the custom certificate authority is not valid PEM ({e}); give the file \
                     holding the CA certificate (-----BEGIN CERTIFICATE-----)"
                ),
            })?;
            let cert =
                reqwest::Certificate::from_der(cert.as_ref()).map_err(|e| Error::Config {
                    message: format!("the custom certificate authority could not be used: {e}"),
                })?;
            builder = builder.add_root_certificate(cert);
            found += 1;
        }
        if found == 0 {
            return Err(Error::Config {
                message: "the custom certificate authority file holds no certificate; give the \
                          PEM file with -----BEGIN CERTIFICATE-----"
                    .into(),
            });
        }
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_certificates_is_refused_with_a_reason() {
        let err = client_builder(Some("not a certificate")).err();
        assert!(
            err.is_some_and(|e| e.to_string().contains("holds no certificate")),
            "garbage must be refused"
        );
        assert!(client_builder(None).is_ok());
    }
}
