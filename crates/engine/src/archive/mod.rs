//! The archive: format version 3, its writer and its reader.

pub(crate) mod format;
pub(crate) mod reader;
pub(crate) mod writer;

#[cfg(test)]
mod protection_tests;
#[cfg(test)]
mod tests;
