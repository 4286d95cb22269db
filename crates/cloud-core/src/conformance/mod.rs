//! The shared conformance suites (feature `conformance`; not semver-stable).
