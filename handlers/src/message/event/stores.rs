//! Stores, POIs and merchants.
