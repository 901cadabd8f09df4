//! Placeholder; the simulator lands next.
