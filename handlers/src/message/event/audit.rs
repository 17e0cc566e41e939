//! Verification, audit and authorization events of official accounts and mini programs.
