//! Publishing and content checks: PUBLISHJOBFINISH, wxa_media_check, secvod_*.
