// Anchor for the examples precompiled header.
