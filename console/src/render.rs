//! Drawing grid cells: glyphs of Noto Sans Mono (16 pixels high, regular weight, from
//! the `noto-sans-mono-bitmap` crate) into a linear framebuffer of 16, 24 or 32 bits per
//! pixel, or VGA text cells (character and attribute bytes).
//!
//! The glyphs are anti-aliased: each pixel has an intensity from 0 (background) to 255
//! (foreground), and is drawn as [`blend`] of the two colours, encoded in the
//! framebuffer's format once per intensity ([`Glyphs::new`]).

use noto_sans_mono_bitmap::{FontWeight, RasterHeight, RasterizedChar, get_raster, get_raster_width};

use crate::grid::REPLACEMENT;

const WEIGHT: FontWeight = FontWeight::Regular;
const HEIGHT: RasterHeight = RasterHeight::Size16;
/// Width of a cell in pixels.
pub const GLYPH_WIDTH: usize = get_raster_width(WEIGHT, HEIGHT);
/// Height of a cell in pixels.
pub const GLYPH_HEIGHT: usize = HEIGHT.val();
/// Text colour (light grey, as VGA's attribute 7).
pub const FOREGROUND: (u8, u8, u8) = (0xaa, 0xaa, 0xaa);
/// Background colour.
pub const BACKGROUND: (u8, u8, u8) = (0, 0, 0);
/// The VGA text attribute of every cell: light grey on black.
pub const VGA_ATTRIBUTE: u8 = 0x07;

/// The glyph of a cell value: printable ASCII as itself, anything else as U+FFFD.
pub fn glyph(cell: u8) -> RasterizedChar {
    let c = if cell == REPLACEMENT || !(0x20..0x7f).contains(&cell) { '\u{fffd}' } else { cell as char };
    get_raster(c, WEIGHT, HEIGHT).or_else(|| get_raster('?', WEIGHT, HEIGHT)).expect("the font has '?'")
}

/// The colour of a glyph pixel of `intensity`: `bg + (fg - bg) * intensity / 255` per
/// channel, the fraction dropped (towards the background).
pub fn blend(fg: (u8, u8, u8), bg: (u8, u8, u8), intensity: u8) -> (u8, u8, u8) {
    let mix = |f: u8, b: u8| {
        let (f, b, i) = (i32::from(f), i32::from(b), i32::from(intensity));
        (b + (f - b) * i / 255) as u8
    };
    (mix(fg.0, bg.0), mix(fg.1, bg.1), mix(fg.2, bg.2))
}

/// Where each channel of a direct-colour pixel lies: (bit position, bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PixelFormat {
    /// Bytes per pixel: 2, 3 or 4.
    pub bytes_per_pixel: usize,
    /// Red channel.
    pub red: (u8, u8),
    /// Green channel.
    pub green: (u8, u8),
    /// Blue channel.
    pub blue: (u8, u8),
}

impl PixelFormat {
    /// The format of `bpp` bits per pixel with these channels, if this module draws it.
    pub fn new(bpp: u8, red: (u8, u8), green: (u8, u8), blue: (u8, u8)) -> Option<Self> {
        let bytes_per_pixel = match bpp {
            15 | 16 => 2,
            24 => 3,
            32 => 4,
            _ => return None,
        };
        let fits = |(position, size): (u8, u8)| size <= 8 && u32::from(position) + u32::from(size) <= u32::from(bpp);
        (fits(red) && fits(green) && fits(blue)).then_some(Self { bytes_per_pixel, red, green, blue })
    }

    /// The pixel value of an 8-bit-per-channel colour (its top bits per channel).
    pub fn encode(&self, (r, g, b): (u8, u8, u8)) -> u32 {
        let channel = |value: u8, (position, size): (u8, u8)| {
            if size == 0 { 0 } else { (u32::from(value) >> (8 - size)) << position }
        };
        channel(r, self.red) | channel(g, self.green) | channel(b, self.blue)
    }
}

/// Glyph drawing into one framebuffer: its geometry and the pixel value of every glyph
/// intensity.
pub struct Glyphs {
    format: PixelFormat,
    pitch: usize,
    width: usize,
    height: usize,
    pixel: [u32; 256],
}

impl Glyphs {
    /// Drawing into a framebuffer of `width` x `height` pixels, `pitch` bytes per row.
    pub fn new(format: PixelFormat, pitch: usize, width: usize, height: usize) -> Self {
        let mut pixel = [0; 256];
        for (intensity, value) in pixel.iter_mut().enumerate() {
            *value = format.encode(blend(FOREGROUND, BACKGROUND, intensity as u8));
        }
        Self { format, pitch, width, height, pixel }
    }

    /// The text grid that fits: columns and rows.
    pub fn grid_size(&self) -> (usize, usize) {
        (self.width / GLYPH_WIDTH, self.height / GLYPH_HEIGHT)
    }

    /// Draws `cell` at `col`, `row` into `fb`; parts outside the framebuffer are skipped.
    pub fn draw(&self, fb: &mut [u8], col: usize, row: usize, cell: u8) {
        let (x, y) = (col * GLYPH_WIDTH, row * GLYPH_HEIGHT);
        if x + GLYPH_WIDTH > self.width || y + GLYPH_HEIGHT > self.height {
            return;
        }
        match self.format.bytes_per_pixel {
            4 => self.draw_pixels::<4>(fb, x, y, cell),
            3 => self.draw_pixels::<3>(fb, x, y, cell),
            _ => self.draw_pixels::<2>(fb, x, y, cell),
        }
    }

    /// The glyph's pixels of `BPP` bytes each: a constant size, so that each pixel is a
    /// store or two rather than a call to `memcpy`.
    fn draw_pixels<const BPP: usize>(&self, fb: &mut [u8], x: usize, y: usize, cell: u8) {
        for (dy, intensities) in glyph(cell).rows().enumerate() {
            let start = (y + dy) * self.pitch + x * BPP;
            let Some(line) = fb.get_mut(start..start + GLYPH_WIDTH * BPP) else { return };
            for (out, &intensity) in line.chunks_exact_mut(BPP).zip(intensities) {
                let bytes = self.pixel[usize::from(intensity)].to_le_bytes();
                out.copy_from_slice(&bytes[..BPP]);
            }
        }
    }
}

/// Writes `cell` as a VGA text cell (character, attribute) at `col`, `row` of a text
/// buffer `cols` cells wide; a cell outside `text` is skipped. Non-ASCII is shown as
/// code page 437's small square.
pub fn draw_vga_text(text: &mut [u8], cols: usize, col: usize, row: usize, cell: u8) {
    let at = (row * cols + col) * 2;
    let c = if (0x20..0x7f).contains(&cell) { cell } else { 0xfe };
    if let Some(out) = text.get_mut(at..at + 2) {
        out.copy_from_slice(&[c, VGA_ATTRIBUTE]);
    }
}

#[cfg(test)]
mod tests;
