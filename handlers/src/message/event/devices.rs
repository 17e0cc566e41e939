//! Devices, Wi-Fi, shake and product scan.
