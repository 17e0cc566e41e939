//! The browser console under `/admin/`.

pub mod qr_image;
