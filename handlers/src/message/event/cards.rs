//! Cards and gift cards.
