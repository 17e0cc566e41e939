//! A QR code's image, drawn by the gateway from the `url` WeChat returned when it created the
//! code: SVG for the page, PNG to download. Nothing is fetched from WeChat (its `showqrcode`
//! image is the same matrix).

use qrcode::render::svg;
use qrcode::types::QrError;
use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code, as the QR standard asks (4 on every side).
pub const QUIET_ZONE: usize = 4;

/// Pixels per module in the SVG's own size (the page scales it).
pub const SVG_MODULE_PX: u32 = 8;

/// Pixels per module of the PNG download: a 25-module code is 330 px wide.
pub const PNG_MODULE_PX: u32 = 10;

/// The module matrix of one code.
pub struct QrImage {
    code: QrCode,
}

impl QrImage {
    /// Encodes `url` at error correction level M, as WeChat's own images are.
    pub fn encode(url: &str) -> Result<QrImage, QrError> {
        Ok(QrImage {
            code: QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)?,
        })
    }

    /// Modules per side, without the quiet zone.
    pub fn modules(&self) -> usize {
        self.code.width()
    }

    /// Whether the module at column `x`, row `y` (without the quiet zone) is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        let width = self.code.width();
        x < width && y < width && self.code[(x, y)] == Color::Dark
    }

    /// The SVG document: a white square with the quiet zone, and one black path of the dark
    /// modules, [`SVG_MODULE_PX`] units each, with a `viewBox` so it scales.
    pub fn svg(&self) -> String {
        self.code
            .render::<svg::Color<'_>>()
            .quiet_zone(true)
            .module_dimensions(SVG_MODULE_PX, SVG_MODULE_PX)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build()
    }

    /// A 1-bit greyscale PNG, `module_px` pixels per module, with the quiet zone.
    pub fn png(&self, module_px: u32) -> Result<Vec<u8>, png::EncodingError> {
        let module_px = module_px.max(1) as usize;
        let side = (self.modules() + 2 * QUIET_ZONE) * module_px;
        let row_bytes = side.div_ceil(8);
        // Grey 1 is white: start all white and clear the bits of dark pixels.
        let mut pixels = vec![0xff_u8; row_bytes * side];
        for y in 0..side {
            let module_y = (y / module_px).checked_sub(QUIET_ZONE);
            for x in 0..side {
                let module_x = (x / module_px).checked_sub(QUIET_ZONE);
                if let (Some(mx), Some(my)) = (module_x, module_y)
                    && self.is_dark(mx, my)
                {
                    pixels[y * row_bytes + x / 8] &= !(0x80 >> (x % 8));
                }
            }
        }
        let side = u32::try_from(side).map_err(|_| png::EncodingError::LimitsExceeded)?;
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
        writer.finish()?;
        Ok(out)
    }
}

#[cfg(test)]
#[path = "qr_image_test.rs"]
mod tests;
