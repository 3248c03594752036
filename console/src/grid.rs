//! A text grid with a cursor, as a terminal keeps it.
//!
//! Printable ASCII goes into the cell under the cursor; `\n` starts a new line (as a
//! terminal with `onlcr` does), `\r` returns to the first column, `\t` advances to the next
//! multiple of 8, `\x08` steps back one column without erasing. Other control characters
//! and ANSI escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ESC \`, and
//! two-character `ESC x`) are dropped rather than drawn as garbage; any other character
//! becomes [`REPLACEMENT`]. A line longer than the grid wraps (after its last column is
//! written, so a full line followed by `\n` takes one row). Below the last row the grid
//! scrolls by `scroll_step` rows at once: drawing a large framebuffer again costs time,
//! and jumping several rows pays that once per several lines.
//!
//! Invariants: `cols * rows <= MAX_CELLS`, `row < rows`, `col <= cols` (equal means the
//! next character wraps), and `dirty` covers every row whose `cells` may differ from
//! `shown`.

/// The cell value for a character the grid cannot show.
pub const REPLACEMENT: u8 = 0x7f;
/// The most cells a grid holds (the screen beyond them stays blank): a 3840x2160
/// framebuffer's 548x135 cells of 7x16 pixels fit.
pub const MAX_CELLS: usize = 80 * 1024;
/// The most columns a grid has.
pub const MAX_COLS: usize = 640;
/// A cell value that no character has: what `shown` holds when the device's content is
/// unknown, so that every cell is drawn.
const UNKNOWN: u8 = 0xff;
const TAB: usize = 8;

/// Where the escape sequence parser is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escape {
    /// Not in a sequence.
    None,
    /// After `ESC`.
    Start,
    /// In a control sequence (`ESC [`), until a final byte 0x40..=0x7e.
    Csi,
    /// In an operating system command (`ESC ]`), until `BEL` or `ESC \`.
    Osc,
    /// After `ESC` inside an operating system command.
    OscAfterEsc,
}

/// The text of a screen and its cursor.
pub struct TextGrid {
    cols: usize,
    rows: usize,
    row: usize,
    col: usize,
    scroll_step: usize,
    escape: Escape,
    /// Rows `dirty.0..dirty.1` may differ from what the device shows.
    dirty: (usize, usize),
    cells: [u8; MAX_CELLS],
    shown: [u8; MAX_CELLS],
}

impl Default for TextGrid {
    fn default() -> Self {
        Self::new()
    }
}

impl TextGrid {
    /// A grid of no cells (everything written to it is dropped) until [`Self::resize`].
    pub const fn new() -> Self {
        Self {
            cols: 0,
            rows: 0,
            row: 0,
            col: 0,
            scroll_step: 0,
            escape: Escape::None,
            dirty: (0, 0),
            // Zeros, so that a grid in a static costs no image space; `resize` sets them.
            cells: [0; MAX_CELLS],
            shown: [0; MAX_CELLS],
        }
    }

    /// Makes the grid `cols` x `rows` (cut to [`MAX_COLS`] and [`MAX_CELLS`]), blank, with
    /// the cursor at the top left; the next flush draws every cell.
    pub fn resize(&mut self, cols: usize, rows: usize) {
        let cols = cols.min(MAX_COLS);
        let rows = MAX_CELLS.checked_div(cols).map_or(0, |most| rows.min(most));
        (self.cols, self.rows, self.row, self.col) = (cols, rows, 0, 0);
        self.cells.fill(b' ');
        self.shown.fill(UNKNOWN);
        self.dirty = (0, rows);
        self.set_scroll_step(self.scroll_step);
    }

    /// Rows scrolled at once when the cursor moves below the last row (at least 1, at
    /// most all of them).
    pub fn set_scroll_step(&mut self, rows: usize) {
        self.scroll_step = rows.clamp(1, self.rows.max(1));
    }

    /// Columns and rows.
    pub fn size(&self) -> (usize, usize) {
        (self.cols, self.rows)
    }

    /// The cursor's column and row.
    pub fn cursor(&self) -> (usize, usize) {
        (self.col, self.row)
    }

    /// The cell at `col`, `row` (a space outside the grid).
    pub fn cell(&self, col: usize, row: usize) -> u8 {
        if col < self.cols && row < self.rows { self.cells[row * self.cols + col] } else { b' ' }
    }

    /// Row `row`'s cells.
    pub fn row_cells(&self, row: usize) -> &[u8] {
        if row < self.rows { &self.cells[row * self.cols..(row + 1) * self.cols] } else { &[] }
    }

    /// Writes text.
    pub fn write_str(&mut self, s: &str) {
        for c in s.chars() {
            self.put_char(c);
        }
    }

    /// Writes bytes that should be UTF-8; each invalid sequence becomes one
    /// [`REPLACEMENT`].
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        for chunk in bytes.utf8_chunks() {
            self.write_str(chunk.valid());
            if !chunk.invalid().is_empty() {
                self.put_char(char::REPLACEMENT_CHARACTER);
            }
        }
    }

    /// Interprets one character.
    pub fn put_char(&mut self, c: char) {
        if self.rows == 0 {
            return;
        }
        match (self.escape, c) {
            (Escape::None, '\x1b') => self.escape = Escape::Start,
            (Escape::None, '\n') => self.new_line(),
            (Escape::None, '\r') => self.col = 0,
            (Escape::None, '\t') => self.col = (self.col / TAB + 1).saturating_mul(TAB).min(self.cols),
            (Escape::None, '\x08') => self.col = self.col.min(self.cols - 1).saturating_sub(1),
            (Escape::None, c) if c.is_control() => {}
            (Escape::None, c) => self.put_cell(if c.is_ascii() { c as u8 } else { REPLACEMENT }),
            (Escape::Start, '[') => self.escape = Escape::Csi,
            (Escape::Start, ']') => self.escape = Escape::Osc,
            (Escape::Start, _) => self.escape = Escape::None,
            (Escape::Csi, '\x40'..='\x7e') => self.escape = Escape::None,
            // A control character inside a sequence cancels it (CAN, SUB) or is ignored.
            (Escape::Csi, '\x18' | '\x1a') => self.escape = Escape::None,
            (Escape::Csi, _) => {}
            (Escape::Osc, '\x07') => self.escape = Escape::None,
            (Escape::Osc, '\x1b') => self.escape = Escape::OscAfterEsc,
            (Escape::Osc, _) => {}
            (Escape::OscAfterEsc, '\\') => self.escape = Escape::None,
            (Escape::OscAfterEsc, _) => self.escape = Escape::Osc,
        }
    }

    fn put_cell(&mut self, cell: u8) {
        if self.col >= self.cols {
            self.new_line();
        }
        self.cells[self.row * self.cols + self.col] = cell;
        self.mark_dirty(self.row, self.row + 1);
        self.col += 1;
    }

    fn new_line(&mut self) {
        self.col = 0;
        if self.row + 1 < self.rows {
            self.row += 1;
            return;
        }
        let step = self.scroll_step;
        let (cols, rows) = (self.cols, self.rows);
        self.cells.copy_within(step * cols..rows * cols, 0);
        self.cells[(rows - step) * cols..rows * cols].fill(b' ');
        self.row = rows - step;
        self.mark_dirty(0, rows);
    }

    fn mark_dirty(&mut self, from: usize, to: usize) {
        self.dirty =
            if self.dirty.0 == self.dirty.1 { (from, to) } else { (self.dirty.0.min(from), self.dirty.1.max(to)) };
    }

    /// Calls `draw(col, row, cell)` for every cell whose content the device does not show
    /// yet, and records it as shown.
    pub fn flush(&mut self, mut draw: impl FnMut(usize, usize, u8)) {
        let (from, to) = core::mem::take(&mut self.dirty);
        for row in from..to.min(self.rows) {
            let at = row * self.cols;
            let cells = &self.cells[at..at + self.cols];
            let shown = &mut self.shown[at..at + self.cols];
            for (col, (&cell, seen)) in cells.iter().zip(shown.iter_mut()).enumerate() {
                if cell != *seen {
                    draw(col, row, cell);
                    *seen = cell;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
