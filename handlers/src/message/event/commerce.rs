//! Mini-program commerce, logistics, virtual payment, live and guide events.
