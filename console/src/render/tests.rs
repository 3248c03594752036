use super::*;

const XRGB: PixelFormat = PixelFormat { bytes_per_pixel: 4, red: (16, 8), green: (8, 8), blue: (0, 8) };

#[test]
fn the_font_is_seven_by_sixteen_and_has_every_cell() {
    assert_eq!((GLYPH_WIDTH, GLYPH_HEIGHT), (7, 16));
    for cell in 0..=255u8 {
        let g = glyph(cell);
        assert_eq!((g.width(), g.height()), (GLYPH_WIDTH, GLYPH_HEIGHT));
    }
    assert_ne!(glyph(b'A'), glyph(b'B'));
    assert_eq!(glyph(REPLACEMENT), glyph(0x01));
    assert!(glyph(b' ').pixels().iter().all(|&p| p == 0));
}

#[test]
fn pixel_formats_encode_their_channels() {
    assert_eq!(XRGB.encode((0x12, 0x34, 0x56)), 0x0012_3456);
    let bgr = PixelFormat::new(24, (0, 8), (8, 8), (16, 8)).unwrap();
    assert_eq!(bgr.encode((0x12, 0x34, 0x56)), 0x0056_3412);
    let rgb565 = PixelFormat::new(16, (11, 5), (5, 6), (0, 5)).unwrap();
    assert_eq!(rgb565.encode((0xff, 0xff, 0xff)), 0xffff);
    assert_eq!(rgb565.encode((0x80, 0x40, 0x08)), (0x10 << 11) | (0x10 << 5) | 0x01);
    assert_eq!(PixelFormat::new(8, (0, 3), (3, 3), (6, 2)), None);
    assert_eq!(PixelFormat::new(16, (12, 5), (5, 6), (0, 5)), None);
}

#[test]
fn blending_runs_from_background_to_foreground() {
    assert_eq!(blend(FOREGROUND, BACKGROUND, 0), BACKGROUND);
    assert_eq!(blend(FOREGROUND, BACKGROUND, 255), FOREGROUND);
    assert_eq!(blend((200, 100, 0), (100, 200, 0), 128), (150, 150, 0));
}

#[test]
fn a_glyph_is_drawn_at_its_cell() {
    let (width, height, pitch) = (20, 40, 20 * 4 + 8);
    let glyphs = Glyphs::new(XRGB, pitch, width, height);
    assert_eq!(glyphs.grid_size(), (2, 2));
    let mut fb = vec![0xeeu8; pitch * height];
    glyphs.draw(&mut fb, 1, 1, b'K');
    let g = glyph(b'K');
    for y in 0..height {
        for x in 0..width {
            let got = u32::from_le_bytes(fb[y * pitch + x * 4..][..4].try_into().unwrap());
            let inside = (7..14).contains(&x) && (16..32).contains(&y);
            let want = if inside {
                XRGB.encode(blend(FOREGROUND, BACKGROUND, g.pixel(x - 7, y - 16).unwrap()))
            } else {
                0xeeee_eeee
            };
            assert_eq!(got, want, "pixel {x},{y}");
        }
    }
    // Cells that do not fit whole, and a too short buffer, are skipped without a panic.
    glyphs.draw(&mut fb, 2, 0, b'X');
    glyphs.draw(&mut fb, 0, 2, b'X');
    glyphs.draw(&mut fb[..100], 0, 0, b'X');
}

#[test]
fn three_and_two_byte_pixels() {
    let rgb = PixelFormat::new(24, (16, 8), (8, 8), (0, 8)).unwrap();
    let glyphs = Glyphs::new(rgb, 7 * 3, 7, 16);
    let mut fb = vec![1u8; 7 * 3 * 16];
    glyphs.draw(&mut fb, 0, 0, b' ');
    assert!(fb.iter().all(|&b| b == 0));
    let rgb565 = PixelFormat::new(16, (11, 5), (5, 6), (0, 5)).unwrap();
    let glyphs = Glyphs::new(rgb565, 7 * 2, 7, 16);
    let mut fb = vec![0u8; 7 * 2 * 16];
    glyphs.draw(&mut fb, 0, 0, b'#');
    assert!(fb.iter().any(|&b| b != 0));
}

#[test]
fn vga_text_cells() {
    let mut text = vec![0u8; 80 * 25 * 2];
    draw_vga_text(&mut text, 80, 79, 24, b'z');
    assert_eq!(&text[text.len() - 2..], &[b'z', VGA_ATTRIBUTE]);
    draw_vga_text(&mut text, 80, 0, 0, REPLACEMENT);
    assert_eq!(&text[..2], &[0xfe, VGA_ATTRIBUTE]);
    draw_vga_text(&mut text, 80, 0, 25, b'z');
}
