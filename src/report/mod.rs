//! Reports for auditors: the origin (Xinchuang) report ([`origin`]) and
//! the audit evidence package ([`evidence`]), written as formula-safe CSV
//! ([`csv`]), XLSX ([`xlsx`]) and zip. Pure: rows in, bytes out; the store
//! reads the rows and the CLI or the page delivers the bytes.

pub mod csv;
pub mod evidence;
pub mod origin;
pub mod xlsx;
