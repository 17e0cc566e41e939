//! Send requests: parsing and the rules.
