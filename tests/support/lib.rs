//! Test support: spawning nodes and talking to them.
