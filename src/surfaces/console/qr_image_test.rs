use std::collections::BTreeSet;

use super::*;

const URL: &str = "http://weixin.qq.com/q/02kUf_8mvXbAi1LB3d1xc0";

/// The dark modules of the matrix, as (column, row).
fn matrix(image: &QrImage) -> BTreeSet<(usize, usize)> {
    let n = image.modules();
    (0..n)
        .flat_map(|y| (0..n).map(move |x| (x, y)))
        .filter(|(x, y)| image.is_dark(*x, *y))
        .collect()
}

#[test]
fn the_matrix_is_a_qr_code_of_the_url() {
    let image = QrImage::encode(URL).unwrap();
    let n = image.modules();
    assert_eq!((n - 17) % 4, 0, "a QR code is 17 + 4v modules wide: {n}");
    // The three finder patterns: dark corners, a light ring inside, a dark 3x3 centre.
    for (cx, cy) in [(0, 0), (n - 7, 0), (0, n - 7)] {
        assert!(image.is_dark(cx, cy) && image.is_dark(cx + 6, cy + 6));
        assert!(!image.is_dark(cx + 1, cy + 1));
        assert!(image.is_dark(cx + 3, cy + 3));
    }
    assert!(!image.is_dark(n, 0), "outside the matrix is light");
    let other = QrImage::encode("http://weixin.qq.com/q/another").unwrap();
    assert_ne!(
        matrix(&image),
        matrix(&other),
        "the data decides the modules"
    );
}

#[test]
fn the_svg_is_well_formed_scales_and_draws_every_dark_module() {
    let image = QrImage::encode(URL).unwrap();
    let svg = image.svg();
    let mut reader = quick_xml::Reader::from_str(&svg);
    let mut elements = Vec::new();
    let mut path = None;
    let mut view_box = None;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                for attr in e.attributes() {
                    let attr = attr.unwrap();
                    let value = attr.unescape_value().unwrap().into_owned();
                    match (name.as_str(), attr.key.as_ref()) {
                        ("svg", b"viewBox") => view_box = Some(value),
                        ("path", b"d") => path = Some(value),
                        _ => {}
                    }
                }
                elements.push(name);
            }
            _ => {}
        }
    }
    assert_eq!(elements, ["svg", "rect", "path"]);
    let side = (image.modules() + 2 * QUIET_ZONE) as u32 * SVG_MODULE_PX;
    assert_eq!(view_box.unwrap(), format!("0 0 {side} {side}"));
    assert!(svg.contains(r##"<path fill="#000000""##));
    assert!(
        !svg.contains("style"),
        "no inline style under the console's CSP"
    );

    // Each dark module is one `M{left} {top}h{w}v{h}H{left}V{top}` square.
    let path = path.unwrap();
    let px = SVG_MODULE_PX as usize;
    let mut drawn = BTreeSet::new();
    for square in path.split('M').filter(|s| !s.is_empty()) {
        let numbers: Vec<usize> = square
            .split(|c: char| c.is_ascii_alphabetic() || c == ' ')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        let [left, top, w, h, left2, top2] = numbers[..] else {
            panic!("unexpected path segment {square:?}")
        };
        assert_eq!((w, h, left2, top2), (px, px, left, top));
        assert!(drawn.insert((left / px - QUIET_ZONE, top / px - QUIET_ZONE)));
    }
    assert_eq!(drawn, matrix(&image));
}

#[test]
fn the_png_decodes_to_the_matrix_with_a_quiet_zone() {
    let image = QrImage::encode(URL).unwrap();
    let bytes = image.png(PNG_MODULE_PX).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let mut decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = PNG_MODULE_PX as usize;
    let side = (image.modules() + 2 * QUIET_ZONE) * px;
    assert_eq!((info.width as usize, info.height as usize), (side, side));
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    assert_eq!(info.line_size, side, "one byte a pixel once expanded");
    let pixel = |x: usize, y: usize| buf[y * side + x];
    let mut dark = BTreeSet::new();
    for my in 0..image.modules() + 2 * QUIET_ZONE {
        for mx in 0..image.modules() + 2 * QUIET_ZONE {
            // Every pixel of a module has the module's colour.
            let corner = pixel(mx * px, my * px);
            assert_eq!(corner, pixel(mx * px + px - 1, my * px + px - 1));
            assert_eq!(corner, pixel(mx * px + px / 2, my * px + 1));
            match corner {
                0 => {
                    assert!(
                        (QUIET_ZONE..QUIET_ZONE + image.modules()).contains(&mx)
                            && (QUIET_ZONE..QUIET_ZONE + image.modules()).contains(&my),
                        "the quiet zone is light"
                    );
                    dark.insert((mx - QUIET_ZONE, my - QUIET_ZONE));
                }
                255 => {}
                other => panic!("grey {other}"),
            }
        }
    }
    assert_eq!(dark, matrix(&image));

    let small = image.png(1).unwrap();
    assert!(small.len() < bytes.len());
}

#[test]
fn data_too_long_for_any_qr_code_is_an_error() {
    assert!(QrImage::encode(&"x".repeat(5000)).is_err());
}
