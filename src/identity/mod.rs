//! Who a user is, told to apps in a form they can check: the registered apps (clients), the
//! signing keys every instance shares, and the RS256 JWTs (id_tokens) signed with them.

pub mod jwt;
pub mod keys;
