//! RS256 JSON Web Tokens.
