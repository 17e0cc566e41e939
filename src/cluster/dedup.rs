//! Shared dedup: which pushes are taken cluster-wide, and their replies.
