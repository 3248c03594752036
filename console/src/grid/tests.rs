use super::*;

fn grid(cols: usize, rows: usize) -> Box<TextGrid> {
    let mut g = Box::new(TextGrid::new());
    g.resize(cols, rows);
    g
}

/// The grid's rows as text, trailing blanks cut.
fn text(g: &TextGrid) -> Vec<String> {
    (0..g.size().1).map(|r| String::from_utf8_lossy(g.row_cells(r)).trim_end().to_string()).collect()
}

#[test]
fn text_lines_and_carriage_return() {
    let mut g = grid(10, 3);
    g.write_str("hello\nworld\rW");
    assert_eq!(text(&g), ["hello", "World", ""]);
    assert_eq!(g.cursor(), (1, 1));
}

#[test]
fn long_lines_wrap_and_a_full_line_then_newline_takes_one_row() {
    let mut g = grid(4, 4);
    g.write_str("abcdefg\n0123\nx");
    assert_eq!(text(&g), ["abcd", "efg", "0123", "x"]);
}

#[test]
fn scrolling_by_one_and_by_several_rows() {
    let mut g = grid(3, 3);
    g.write_str("1\n2\n3\n4");
    assert_eq!(text(&g), ["2", "3", "4"]);
    let mut g = grid(3, 4);
    g.set_scroll_step(2);
    g.write_str("1\n2\n3\n4\n5");
    assert_eq!(text(&g), ["3", "4", "5", ""]);
    assert_eq!(g.cursor(), (1, 2));
    g.write_str("\n6\n7");
    assert_eq!(text(&g), ["5", "6", "7", ""]);
}

#[test]
fn tabs_and_backspace() {
    let mut g = grid(20, 2);
    g.write_str("a\tb\tc");
    assert_eq!(text(&g), ["a       b       c", ""]);
    g.write_str("\rxy\x08Z");
    assert_eq!(text(&g)[0], "xZ      b       c");
    g.write_str("\x08\x08\x08");
    assert_eq!(g.cursor(), (0, 0));
    // A tab stops at the last column; the next character wraps.
    let mut g = grid(10, 2);
    g.write_str("abcdefghi\tX");
    assert_eq!(text(&g), ["abcdefghi", "X"]);
}

#[test]
fn escape_sequences_are_dropped() {
    let mut g = grid(40, 2);
    g.write_str("\x1b[1;31mred\x1b[0m \x1b]0;title\x07ok \x1b]2;t\x1b\\done \x1bcX\x1b[?25l!");
    assert_eq!(text(&g)[0], "red ok done X!");
    // A sequence split across writes.
    g.write_str("\n\x1b[");
    g.write_str("32");
    g.write_str("mgreen");
    assert_eq!(text(&g)[1], "green");
}

#[test]
fn control_and_non_ascii_characters() {
    let mut g = grid(20, 1);
    g.write_str("a\x00\x07b\u{7f}c");
    assert_eq!(g.row_cells(0)[..3], *b"abc");
    g.write_str("\ré");
    assert_eq!(g.cell(0, 0), REPLACEMENT);
    g.write_bytes(b"\r\xff\xfeok");
    assert_eq!(&g.row_cells(0)[..4], &[REPLACEMENT, REPLACEMENT, b'o', b'k']);
}

#[test]
fn flush_draws_only_what_changed() {
    let mut g = grid(5, 3);
    let mut drawn = Vec::new();
    g.flush(|c, r, v| drawn.push((c, r, v)));
    assert_eq!(drawn.len(), 15, "the first flush draws every cell");
    drawn.clear();
    g.flush(|c, r, v| drawn.push((c, r, v)));
    assert!(drawn.is_empty());
    g.write_str("ab\nc");
    g.flush(|c, r, v| drawn.push((c, r, v)));
    assert_eq!(drawn, [(0, 0, b'a'), (1, 0, b'b'), (0, 1, b'c')]);
    drawn.clear();
    // Scrolling moves every row up: only the cells whose character changed are drawn.
    g.write_str("\nd\ne");
    g.flush(|c, r, v| drawn.push((c, r, v)));
    assert_eq!(text(&g), ["c", "d", "e"]);
    assert_eq!(drawn, [(0, 0, b'c'), (1, 0, b' '), (0, 1, b'd'), (0, 2, b'e')]);
}

#[test]
fn empty_and_oversized_grids() {
    let mut g = Box::new(TextGrid::new());
    g.write_str("dropped\n");
    assert_eq!(g.size(), (0, 0));
    g.resize(10_000, 10_000);
    assert_eq!(g.size(), (MAX_COLS, MAX_CELLS / MAX_COLS));
    g.write_str(&"x\n".repeat(1000));
    let (cols, rows) = g.size();
    assert_eq!(g.cursor(), (0, rows - 1));
    assert_eq!(g.cell(cols, 0), b' ');
}
