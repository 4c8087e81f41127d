//! Generated AAF feeds.
