/**
 * ANSI escape sequences in log text, parsed into styled segments: the viewer renders
 * each segment as a text node in a span, so nothing a container prints is ever read as
 * markup. SGR (`ESC [ … m`) sets the style; every other escape sequence (cursor moves,
 * screen clears, OSC titles and hyperlinks) and stray control characters are dropped.
 */

/** A palette index (0–15 the theme's colours, 16–255 xterm's cube and greys) or `#rrggbb`. */
export type AnsiColor = number | string;

export interface AnsiStyle {
  fg?: AnsiColor;
  bg?: AnsiColor;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
  strike?: boolean;
}

export interface AnsiSegment {
  text: string;
  /** null: no styling. */
  style: AnsiStyle | null;
}

const ESC = '\x1b';
/** C0 controls other than tab and ESC, DEL, and the C1 CSI some programs emit. */
// eslint-disable-next-line no-control-regex
const STRAY_CONTROLS = /[\x00-\x08\x0a-\x1a\x1c-\x1f\x7f\x9b]/g;
// eslint-disable-next-line no-control-regex
const HAS_CONTROLS = /[\x00-\x08\x0a-\x1f\x7f\x9b]/;

/** True when the text holds escape sequences or control characters worth parsing. */
export function hasAnsi(text: string): boolean {
  return HAS_CONTROLS.test(text);
}

/**
 * One escape sequence starting at `at` (the ESC): its end (exclusive), and the SGR
 * parameters when it is an SGR.
 */
function readEscape(text: string, at: number): { end: number; sgr: string | null } {
  const kind = text[at + 1];
  if (kind === undefined) return { end: at + 1, sgr: null };
  if (kind === '[') {
    // CSI: parameter bytes 0x30–0x3F, intermediates 0x20–0x2F, one final byte 0x40–0x7E.
    let i = at + 2;
    while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x3f) i++;
    const params = text.slice(at + 2, i);
    while (i < text.length && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x2f) i++;
    if (i >= text.length) return { end: text.length, sgr: null };
    const final = text.charCodeAt(i);
    if (final < 0x40 || final > 0x7e) return { end: i, sgr: null };
    const isSgr = final === 0x6d && i === at + 2 + params.length && !/[<=>?]/.test(params);
    return { end: i + 1, sgr: isSgr ? params : null };
  }
  if (kind === ']' || kind === 'P' || kind === '_' || kind === '^' || kind === 'X') {
    // OSC and the other string sequences: up to BEL or ST (ESC \), or the end of the line.
    for (let i = at + 2; i < text.length; i++) {
      if (text[i] === '\x07') return { end: i + 1, sgr: null };
      if (text[i] === ESC && text[i + 1] === '\\') return { end: i + 2, sgr: null };
    }
    return { end: text.length, sgr: null };
  }
  // Two-character sequences (ESC 7, ESC =, ESC ( B's lead-in …); a charset designation
  // takes one more character.
  if (kind === '(' || kind === ')' || kind === '*' || kind === '+') {
    return { end: Math.min(at + 3, text.length), sgr: null };
  }
  return { end: at + 2, sgr: null };
}

const clampByte = (n: number) => Math.max(0, Math.min(255, Math.trunc(n)));
const hex = (r: number, g: number, b: number) =>
  `#${[r, g, b].map((c) => clampByte(c).toString(16).padStart(2, '0')).join('')}`;

/**
 * An extended colour (`38;5;n`, `38;2;r;g;b`, or their colon forms) from the parameters
 * after the 38/48: the colour and how many parameters it used.
 */
function extendedColor(
  params: readonly string[],
  from: number,
): { color: AnsiColor | undefined; used: number } {
  const mode = Number(params[from]);
  if (mode === 5) {
    const n = Number(params[from + 1]);
    return { color: Number.isInteger(n) && n >= 0 && n <= 255 ? n : undefined, used: 2 };
  }
  if (mode === 2) {
    const [r, g, b] = [1, 2, 3].map((k) => Number(params[from + k] || 0));
    return { color: hex(r!, g!, b!), used: 4 };
  }
  return { color: undefined, used: 1 };
}

/** A colon sub-parameter form (`38:2::255:0:0`, `38:5:208`) as one colour. */
function colonColor(param: string): AnsiColor | undefined {
  const parts = param.split(':');
  if (parts[1] === '5') return extendedColor(['5', parts[2] ?? ''], 0).color;
  if (parts[1] === '2') {
    // ITU T.416 puts a colour-space id before r:g:b; many programs leave it out.
    const rgb = parts.length >= 6 ? parts.slice(3, 6) : parts.slice(2, 5);
    return extendedColor(['2', ...rgb], 0).color;
  }
  return undefined;
}

/** Applies one SGR's parameters to the style in force; returns the new style. */
export function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  const next: AnsiStyle = { ...style };
  const list = params === '' ? ['0'] : params.split(';');
  for (let i = 0; i < list.length; i++) {
    const param = list[i]!;
    if (param.includes(':')) {
      const code = Number(param.split(':')[0]);
      if (code === 38) next.fg = colonColor(param);
      else if (code === 48) next.bg = colonColor(param);
      else if (code === 4) next.underline = param !== '4:0';
      continue;
    }
    const code = param === '' ? 0 : Number(param);
    if (code === 0) {
      for (const key of Object.keys(next)) delete next[key as keyof AnsiStyle];
    } else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4 || code === 21) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 9) next.strike = true;
    else if (code === 22) {
      delete next.bold;
      delete next.dim;
    } else if (code === 23) delete next.italic;
    else if (code === 24) delete next.underline;
    else if (code === 27) delete next.inverse;
    else if (code === 29) delete next.strike;
    else if (code >= 30 && code <= 37) next.fg = code - 30;
    else if (code === 39) delete next.fg;
    else if (code >= 40 && code <= 47) next.bg = code - 40;
    else if (code === 49) delete next.bg;
    else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
    else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
    else if (code === 38 || code === 48) {
      const { color, used } = extendedColor(list, i + 1);
      if (code === 38) next.fg = color;
      else next.bg = color;
      i += used;
    }
    if (next.fg === undefined) delete next.fg;
    if (next.bg === undefined) delete next.bg;
  }
  return next;
}

const isPlain = (style: AnsiStyle) => Object.keys(style).length === 0;

/** The text as styled segments, escape sequences and control characters removed. */
export function parseAnsi(text: string): AnsiSegment[] {
  const segments: AnsiSegment[] = [];
  let style: AnsiStyle = {};
  let chunk = '';
  const flush = () => {
    const clean = chunk.replace(STRAY_CONTROLS, '');
    chunk = '';
    if (clean === '') return;
    const last = segments[segments.length - 1];
    const current = isPlain(style) ? null : style;
    // Two runs in the same style (an SGR that changed nothing) make one segment.
    if (last && JSON.stringify(last.style) === JSON.stringify(current)) last.text += clean;
    else segments.push({ text: clean, style: current });
  };
  let from = 0;
  for (let at = text.indexOf(ESC); at !== -1; at = text.indexOf(ESC, from)) {
    chunk += text.slice(from, at);
    const { end, sgr } = readEscape(text, at);
    if (sgr !== null) {
      flush();
      style = applySgr(style, sgr);
    }
    from = end;
  }
  chunk += text.slice(from);
  flush();
  return segments;
}

/** The text without escape sequences or control characters (for search and copying). */
export function stripAnsi(text: string): string {
  if (!hasAnsi(text)) return text;
  return parseAnsi(text)
    .map((s) => s.text)
    .join('');
}

const CUBE = [0, 95, 135, 175, 215, 255];

/** The colour of xterm's palette entries 16–255 (0–15 are the theme's). */
export function paletteColor(index: number): string {
  if (index >= 232) {
    const grey = 8 + (index - 232) * 10;
    return hex(grey, grey, grey);
  }
  const n = index - 16;
  return hex(CUBE[Math.floor(n / 36)]!, CUBE[Math.floor(n / 6) % 6]!, CUBE[n % 6]!);
}

/**
 * How a style is drawn: theme classes for the 16 named colours (they follow light and
 * dark mode) and inline colours for the rest.
 */
export function styleToCss(style: AnsiStyle): {
  className: string;
  color?: string;
  backgroundColor?: string;
} {
  const classes: string[] = [];
  let fg = style.fg;
  let bg = style.bg;
  if (style.inverse) {
    // Without a colour, inverse swaps the default text and background colours.
    classes.push('ansi-inverse');
    [fg, bg] = [bg, fg];
  }
  const out: { className: string; color?: string; backgroundColor?: string } = { className: '' };
  if (typeof fg === 'number' && fg < 16) classes.push(`ansi-fg-${fg}`);
  else if (typeof fg === 'number') out.color = paletteColor(fg);
  else if (fg) out.color = fg;
  if (typeof bg === 'number' && bg < 16) classes.push(`ansi-bg-${bg}`);
  else if (typeof bg === 'number') out.backgroundColor = paletteColor(bg);
  else if (bg) out.backgroundColor = bg;
  if (style.bold) classes.push('ansi-bold');
  if (style.dim) classes.push('ansi-dim');
  if (style.italic) classes.push('ansi-italic');
  if (style.underline) classes.push('ansi-underline');
  if (style.strike) classes.push('ansi-strike');
  out.className = classes.join(' ');
  return out;
}
