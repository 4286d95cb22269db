//! The thin `reqwest` layer shared by the REST provider crates (feature `http`).
