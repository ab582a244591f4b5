import { describe, expect, it } from 'vitest';
import { applySgr, paletteColor, parseAnsi, stripAnsi, styleToCss } from './ansi';

describe('parseAnsi', () => {
  it('leaves plain text as one unstyled segment', () => {
    expect(parseAnsi('hello world')).toEqual([{ text: 'hello world', style: null }]);
  });

  it('colours the 8 named colours and resets', () => {
    expect(parseAnsi('\x1b[31mred\x1b[0m plain \x1b[32mgreen\x1b[m')).toEqual([
      { text: 'red', style: { fg: 1 } },
      { text: ' plain ', style: null },
      { text: 'green', style: { fg: 2 } },
    ]);
  });

  it('maps bright colours (90–97, 100–107) to palette 8–15', () => {
    expect(parseAnsi('\x1b[91;104mx')).toEqual([{ text: 'x', style: { fg: 9, bg: 12 } }]);
  });

  it('reads 256-colour and truecolor, with semicolons and with colons', () => {
    expect(parseAnsi('\x1b[38;5;208ma\x1b[48;2;10;20;30mb')).toEqual([
      { text: 'a', style: { fg: 208 } },
      { text: 'b', style: { fg: 208, bg: '#0a141e' } },
    ]);
    expect(parseAnsi('\x1b[38:2::255:0:128mc\x1b[38:5:21md')).toEqual([
      { text: 'c', style: { fg: '#ff0080' } },
      { text: 'd', style: { fg: 21 } },
    ]);
  });

  it('keeps attributes across colour changes and clears them one by one', () => {
    const segs = parseAnsi('\x1b[1;3;4mA\x1b[33mB\x1b[22mC\x1b[23;24mD\x1b[39mE');
    expect(segs).toEqual([
      { text: 'A', style: { bold: true, italic: true, underline: true } },
      { text: 'B', style: { bold: true, italic: true, underline: true, fg: 3 } },
      { text: 'C', style: { italic: true, underline: true, fg: 3 } },
      { text: 'D', style: { fg: 3 } },
      { text: 'E', style: null },
    ]);
  });

  it('drops dim with 22 as well as bold', () => {
    expect(applySgr({ dim: true, bold: true, fg: 1 }, '22')).toEqual({ fg: 1 });
  });

  it('strips other escape sequences: cursor moves, erase, OSC titles and links, charsets', () => {
    const text =
      '\x1b[2K\x1b[1Gstart \x1b]0;title\x07mid \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \x1b(Bend\x1b[?25l';
    expect(stripAnsi(text)).toBe('start mid link end');
  });

  it('drops stray control characters but keeps tabs', () => {
    expect(stripAnsi('a\tb\x07c\rd\x00e')).toBe('a\tbcde');
  });

  it('copes with a sequence cut at the end of the line', () => {
    expect(stripAnsi('text\x1b[31')).toBe('text');
    expect(stripAnsi('text\x1b')).toBe('text');
    expect(stripAnsi('text\x1b]0;no end')).toBe('text');
  });

  it('treats markup as text: nothing is interpreted', () => {
    expect(parseAnsi('\x1b[31m<script>alert(1)</script>\x1b[0m')).toEqual([
      { text: '<script>alert(1)</script>', style: { fg: 1 } },
    ]);
  });

  it('merges runs an SGR did not change', () => {
    expect(parseAnsi('\x1b[31ma\x1b[31mb')).toEqual([{ text: 'ab', style: { fg: 1 } }]);
  });
});

describe('styleToCss', () => {
  it('uses theme classes for the 16 colours and inline colours beyond', () => {
    expect(styleToCss({ fg: 1, bg: 12, bold: true })).toEqual({
      className: 'ansi-fg-1 ansi-bg-12 ansi-bold',
    });
    expect(styleToCss({ fg: 208, bg: '#0a141e', underline: true, dim: true })).toEqual({
      className: 'ansi-dim ansi-underline',
      color: '#ff8700',
      backgroundColor: '#0a141e',
    });
  });

  it('swaps colours for inverse', () => {
    expect(styleToCss({ fg: 2, inverse: true })).toEqual({
      className: 'ansi-inverse ansi-bg-2',
    });
  });
});

describe('paletteColor', () => {
  it("follows xterm's cube and grey ramp", () => {
    expect(paletteColor(16)).toBe('#000000');
    expect(paletteColor(196)).toBe('#ff0000');
    expect(paletteColor(231)).toBe('#ffffff');
    expect(paletteColor(232)).toBe('#080808');
    expect(paletteColor(255)).toBe('#eeeeee');
  });
});
