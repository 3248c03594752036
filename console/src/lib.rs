//! The screen console's portable parts, shared by the kernel and the host tests.
//!
//! [`TextGrid`] keeps the text a screen shows: the characters written to it (control
//! characters interpreted, ANSI escape sequences dropped), the cursor, wrapping and
//! scrolling, and what the device shows already, so that [`TextGrid::flush`] redraws only
//! the cells that changed. [`render`] turns a cell into pixels of a linear framebuffer (a
//! glyph of the Noto Sans Mono bitmap font) or into a VGA text cell. Neither touches
//! hardware: the kernel hands them the framebuffer as a byte slice, and the host tests
//! render the same glyphs to find them in a screenshot.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

pub mod grid;
pub mod render;

pub use grid::{REPLACEMENT, TextGrid};
pub use render::{Glyphs, PixelFormat};
