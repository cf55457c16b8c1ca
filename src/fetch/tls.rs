//! Certificate problems in words: the rustls error found in a reqwest error's chain, said the way
//! a reviewer can act on ("unknown issuer … a ca_file can add the missing root").

/// Finds a rustls error in the chain and says what is wrong with the certificate in words.
pub(super) fn tls_problem(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(describe_tls(r));
        }
        // `io::Error::source()` skips the error it wraps (hyper-rustls nests two of them), so
        // step into the wrapped error itself.
        cur = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

fn describe_tls(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "certificate has an unknown issuer (not signed by a trusted \
                                 root, or the server sends an incomplete chain; a ca_file can \
                                 add the missing root)"
                .to_string(),
            C::Expired | C::ExpiredContext { .. } => "certificate has expired".to_string(),
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "certificate is not valid yet".to_string()
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "certificate is not valid for this host name".to_string()
            }
            C::Revoked => "certificate has been revoked".to_string(),
            C::BadSignature => "certificate has a bad signature".to_string(),
            other => format!("invalid certificate: {other:?}"),
        },
        other => other.to_string(),
    }
}
