//! The SMTP connection of `[mail]`, with lettre over rustls (STARTTLS, TLS or plain).

use std::time::Duration;

use ent_config::{MailSection, MailSecurity};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, Tokio1Executor};

/// The transport described by the configuration.
pub fn of(config: &MailSection) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let host = config.host.trim();
    let builder = match config.security() {
        MailSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
        MailSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        MailSecurity::Plain => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            host,
        )),
    }
    .map_err(|e| e.to_string())?;
    let mut builder = builder
        .port(config.port())
        .timeout(Some(Duration::from_secs(config.timeout_seconds())));
    if !config.username.is_empty() {
        builder = builder.credentials(Credentials::new(
            config.username.clone(),
            config.password.expose().to_owned(),
        ));
    }
    Ok(builder.build())
}
