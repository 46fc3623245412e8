//! Diagnostics: stable codes, severities and source places.
