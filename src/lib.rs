//! Shared harness of the cross-crate suites in `tests/`.
