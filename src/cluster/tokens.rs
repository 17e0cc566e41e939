//! Shared access tokens: one per account for every instance, fetched by one instance at a time.
