//! Structured logs with tracing.

use tracing_subscriber::EnvFilter;

/// Installs the log subscriber (text or JSON) with the configured filter; `RUST_LOG` wins.
pub fn init(config: &ent_config::LoggingSection) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = if config.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
