//! The log: `tracing` events as text or JSON lines on standard error, filtered by `RUST_LOG`
//! (default `info`). Text is coloured only on a terminal, and never with `NO_COLOR` set.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. A second call (tests) leaves the first in place.
pub fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,jsonrpsee=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour_on_stderr());
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Whether standard error takes colour codes: a terminal, and no `NO_COLOR` (no-color.org: set
/// and not empty). A log file or a journal gets plain text.
pub fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}
