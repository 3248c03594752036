//! Reading the kernel's screen console back from a screenshot, exactly: every
//! 7x16 cell of the picture is compared with the glyphs `kestrel-console` draws, in the
//! colours it draws them, so a cell reads as its character only if every pixel matches
//! (no OCR, no tolerance). A cell that matches no glyph reads as `\u{fffd}`.

use std::collections::HashMap;

use kestrel_console::render::{BACKGROUND, FOREGROUND, GLYPH_HEIGHT, GLYPH_WIDTH, blend, glyph};

use crate::monitor::Ppm;

/// The RGB bytes of a cell showing `cell`, row after row.
fn cell_pixels(cell: u8) -> Vec<u8> {
    glyph(cell)
        .pixels()
        .iter()
        .flat_map(|&intensity| {
            let (r, g, b) = blend(FOREGROUND, BACKGROUND, intensity);
            [r, g, b]
        })
        .collect()
}

/// The text on the screen, one string per row of cells, trailing blanks cut.
pub fn screen_text(ppm: &Ppm) -> Vec<String> {
    let glyphs: HashMap<Vec<u8>, char> = (0x20..0x7fu8).map(|c| (cell_pixels(c), c as char)).collect();
    let (cols, rows) = (ppm.width / GLYPH_WIDTH, ppm.height / GLYPH_HEIGHT);
    let mut cell = Vec::with_capacity(GLYPH_WIDTH * GLYPH_HEIGHT * 3);
    (0..rows)
        .map(|row| {
            let line: String = (0..cols)
                .map(|col| {
                    cell.clear();
                    for y in row * GLYPH_HEIGHT..(row + 1) * GLYPH_HEIGHT {
                        let at = (y * ppm.width + col * GLYPH_WIDTH) * 3;
                        cell.extend_from_slice(&ppm.rgb[at..at + GLYPH_WIDTH * 3]);
                    }
                    glyphs.get(&cell).copied().unwrap_or('\u{fffd}')
                })
                .collect();
            line.trim_end().to_string()
        })
        .collect()
}

/// The VGA text screen (80 columns) from the answer to the monitor command
/// `xp /2000hx 0xb8000`: one string per row, the character bytes of the cells (code page
/// 437 above 0x7f read as `\u{fffd}`), trailing blanks cut.
pub fn vga_text(xp_answer: &str, cols: usize) -> Vec<String> {
    let cells: Vec<u16> = xp_answer
        .lines()
        .filter_map(|line| line.split_once(": "))
        .filter(|(addr, _)| addr.trim_start_matches(|c: char| !c.is_ascii_hexdigit()).starts_with("00000000000b"))
        .flat_map(|(_, words)| {
            words.split_whitespace().filter_map(|w| u16::from_str_radix(w.strip_prefix("0x")?, 16).ok())
        })
        .collect();
    cells
        .chunks(cols)
        .map(|row| {
            let line: String =
                row.iter().map(|&cell| if cell & 0x80 == 0 { char::from(cell as u8) } else { '\u{fffd}' }).collect();
            line.trim_end().to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use kestrel_console::render::{Glyphs, PixelFormat};
    use kestrel_console::{TextGrid, grid};

    use super::*;

    #[test]
    fn text_drawn_by_the_console_reads_back() {
        let (width, height) = (20 * GLYPH_WIDTH + 3, 3 * GLYPH_HEIGHT + 5);
        let format = PixelFormat::new(32, (16, 8), (8, 8), (0, 8)).unwrap();
        let glyphs = Glyphs::new(format, width * 4, width, height);
        let mut fb = vec![0u8; width * height * 4];
        let mut grid = Box::new(TextGrid::new());
        let (cols, rows) = glyphs.grid_size();
        grid.resize(cols, rows);
        grid.write_str("3 passed, 0 failed\n~{|}`@\x1b[1mbold\n\u{e9}!");
        grid.flush(|c, r, v| glyphs.draw(&mut fb, c, r, v));
        // What screendump writes of a 32-bit XRGB framebuffer.
        let rgb = fb.chunks_exact(4).flat_map(|p| [p[2], p[1], p[0]]).collect();
        let text = screen_text(&Ppm { width, height, rgb });
        assert_eq!(text, ["3 passed, 0 failed", "~{|}`@bold", "\u{fffd}!"]);
        assert_eq!(grid::REPLACEMENT, 0x7f);
    }

    #[test]
    fn vga_text_from_a_memory_dump() {
        let answer = "xp /4hx 0xb8000\r\n00000000000b8000: 0x0741 0x0742 0x0720 0x0743\r\n00000000000b8008: 0x07fe 0x0720\r\n(qemu) ";
        assert_eq!(vga_text(answer, 3), ["AB", "C\u{fffd}"]);
    }
}
