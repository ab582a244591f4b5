/**
 * Finds literals that every match of an RE2 pattern must contain one of, so that a line
 * with none of them can be skipped before RE2 runs. The analysis is deliberately
 * conservative: only characters that sit in a concatenation that the match must go
 * through count — at the top level, or in an unquantified group; anything else (classes,
 * `.`, escapes like `\d`, anchors, quantified atoms) ends a literal run. An alternation
 * requires one literal of each branch, so `(segfault|core dumped)` gives both (and a
 * branch without one leaves the alternation with none). Under `(?i)` only ASCII
 * characters count, and not `k` or `s`: RE2 folds those to the Kelvin sign and the long
 * s as well. Anything the parser does not recognise gives no literal. Missing a literal
 * only costs speed; a wrong one would drop matches, so every doubt answers null.
 */

/** Shorter literals would let too many lines through to be worth a prefilter. */
export const MIN_LITERAL_BYTES = 3;

/** Text a match must contain; when `caseless`, in any ASCII case (`text` is lower case). */
export interface RequiredLiteral {
  text: string;
  caseless: boolean;
}

/** Literals of which a match contains at least one. */
type Requirement = readonly RequiredLiteral[];

/** What a (part of a) pattern requires; `exact` when it is nothing but one literal. */
interface Sequence {
  requirements: Requirement[];
  exact: RequiredLiteral | null;
}

const bytes = (l: RequiredLiteral) => Buffer.byteLength(l.text, 'utf8');

/** Longer shortest literal first (fewer lines get through), then fewer literals. */
function better(a: Requirement, b: Requirement): boolean {
  const shortest = (r: Requirement) => Math.min(...r.map(bytes));
  const sa = shortest(a);
  const sb = shortest(b);
  return sa !== sb ? sa > sb : a.length < b.length;
}

function best(requirements: readonly Requirement[]): Requirement | null {
  let found: Requirement | null = null;
  for (const r of requirements) if (found === null || better(r, found)) found = r;
  return found;
}

function distinct(literals: readonly RequiredLiteral[]): RequiredLiteral[] {
  const seen = new Map<string, RequiredLiteral>();
  for (const l of literals) seen.set(`${l.caseless ? 'i' : 'c'}${l.text}`, l);
  return [...seen.values()];
}

type Atom =
  | { kind: 'literal'; literal: RequiredLiteral }
  | { kind: 'group'; body: Sequence }
  | { kind: 'other' };

const OTHER: Atom = { kind: 'other' };

class Unsupported extends Error {}

const isWordChar = (c: string) => /^[0-9A-Za-z_]$/.test(c);
const REPEAT = /^\{[0-9]+(?:,[0-9]*)?\}/;
/** What `(?i)` may fold: ASCII but k and s (which RE2 also matches to U+212A and U+017F). */
const CASELESS_SAFE = /^[\x20-\x7e]*$/;
const CASELESS_UNSAFE = /[ksKS]/;

class Parser {
  private i = 0;
  /** `(?i)` in force: set by flags, until the group they are in closes. */
  private caseless = false;

  constructor(private readonly p: string) {}

  parse(): Sequence {
    const top = this.alternation();
    if (this.i !== this.p.length) throw new Unsupported('unbalanced )');
    return top;
  }

  /** Branches separated by `|`, up to `)` or the end: one literal of each is required. */
  private alternation(): Sequence {
    const first = this.concatenation();
    if (this.p[this.i] !== '|') return first;
    const chosen: RequiredLiteral[] = [];
    let every = first.requirements.length > 0;
    if (every) chosen.push(...best(first.requirements)!);
    while (this.p[this.i] === '|') {
      this.i++;
      const branch = this.concatenation();
      const pick = best(branch.requirements);
      if (pick === null) every = false;
      else chosen.push(...pick);
    }
    return { requirements: every ? [distinct(chosen)] : [], exact: null };
  }

  /** Atoms one after the other, up to `|`, `)` or the end. */
  private concatenation(): Sequence {
    const requirements: Requirement[] = [];
    let run: RequiredLiteral | null = null;
    let exact = true;
    const cut = () => {
      if (run !== null && run.text !== '') requirements.push([run]);
      run = null;
    };
    const append = (l: RequiredLiteral) => {
      if (run !== null && run.caseless !== l.caseless) {
        exact = false;
        cut();
      }
      run = { text: (run?.text ?? '') + l.text, caseless: l.caseless };
    };
    while (this.i < this.p.length && this.p[this.i] !== ')' && this.p[this.i] !== '|') {
      const atom = this.atom();
      if (this.quantifier()) {
        exact = false;
        cut();
        continue;
      }
      if (atom.kind === 'literal') {
        append(atom.literal);
      } else if (atom.kind === 'group' && atom.body.exact !== null) {
        append(atom.body.exact);
      } else {
        exact = false;
        cut();
        if (atom.kind === 'group') requirements.push(...atom.body.requirements);
      }
    }
    const whole: RequiredLiteral | null =
      exact && requirements.length === 0 ? (run ?? { text: '', caseless: false }) : null;
    cut();
    return { requirements, exact: whole };
  }

  /** Consumes `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` and lazy `?`s; true if there was one. */
  private quantifier(): boolean {
    let found = false;
    for (;;) {
      const c = this.p[this.i];
      if (c === '*' || c === '+' || c === '?') {
        this.i++;
      } else if (c === '{') {
        const repeat = REPEAT.exec(this.p.slice(this.i, this.i + 40));
        if (!repeat) return found; // RE2 reads a `{` that is no repetition as a literal
        this.i += repeat[0].length;
      } else {
        return found;
      }
      found = true;
    }
  }

  /** Text as it must appear in a match under the flags in force, or OTHER if unsure. */
  private literal(text: string): Atom {
    if (!this.caseless) return { kind: 'literal', literal: { text, caseless: false } };
    if (!CASELESS_SAFE.test(text) || CASELESS_UNSAFE.test(text)) return OTHER;
    return { kind: 'literal', literal: { text: text.toLowerCase(), caseless: true } };
  }

  private atom(): Atom {
    const p = this.p;
    const c = p[this.i]!;
    switch (c) {
      case '\\':
        return this.escape();
      case '[':
        this.skipClass();
        return OTHER;
      case '(':
        return this.group();
      case '{': {
        // Not after an atom: skip what may be a repetition, so its digits are not taken as text.
        const repeat = REPEAT.exec(p.slice(this.i, this.i + 40));
        this.i += repeat ? repeat[0].length : 1;
        return OTHER;
      }
      case '.':
      case '^':
      case '$':
      case '*':
      case '+':
      case '?':
      case '}':
        this.i++;
        return OTHER;
      default: {
        const text = String.fromCodePoint(p.codePointAt(this.i)!);
        this.i += text.length;
        return this.literal(text);
      }
    }
  }

  private escape(): Atom {
    const p = this.p;
    const c = p[this.i + 1];
    if (c === undefined) throw new Unsupported('trailing backslash');
    this.i += 2;
    if (c.charCodeAt(0) < 0x80 && !isWordChar(c)) return this.literal(c);
    if (c === 'Q') {
      // \Q…\E quotes everything; taken as one atom, so a quantifier drops it all.
      const end = p.indexOf('\\E', this.i);
      const text = p.slice(this.i, end < 0 ? p.length : end);
      this.i = end < 0 ? p.length : end + 2;
      return text === '' ? OTHER : this.literal(text);
    }
    if (c === 'x' || c === 'p' || c === 'P') {
      if (p[this.i] === '{') {
        const end = p.indexOf('}', this.i);
        if (end < 0) throw new Unsupported('unclosed {');
        this.i = end + 1;
      } else {
        this.i += c === 'x' ? 2 : 1;
      }
      return OTHER;
    }
    if (c >= '0' && c <= '9') {
      // Octal: up to two more octal digits.
      for (let k = 0; k < 2 && /^[0-7]$/.test(p[this.i] ?? ''); k++) this.i++;
      return OTHER;
    }
    return OTHER; // \d \w \s \b \A \z \C \n \t … : classes, assertions, control characters
  }

  private skipClass(): void {
    const p = this.p;
    this.i++;
    if (p[this.i] === '^') this.i++;
    if (p[this.i] === ']') this.i++; // a leading ] is a member
    while (this.i < p.length) {
      const c = p[this.i];
      if (c === '\\') {
        this.i += 2;
      } else if (c === '[' && p[this.i + 1] === ':') {
        const end = p.indexOf(':]', this.i + 2);
        this.i = end < 0 ? this.i + 1 : end + 2;
      } else if (c === ']') {
        this.i++;
        return;
      } else {
        this.i++;
      }
    }
    throw new Unsupported('unclosed [');
  }

  /** `(?flags)` changes the flags up to the end of the enclosing group; `(?flags:…)` inside. */
  private applyFlags(flags: string): void {
    const [on = '', off = ''] = flags.split('-');
    if (on.includes('i')) this.caseless = true;
    if (off.includes('i')) this.caseless = false;
  }

  private group(): Atom {
    const p = this.p;
    const outer = this.caseless;
    this.i++;
    if (p[this.i] === '?') {
      const head = /^\?(?:P?<[^>]*>|:|([A-Za-z]*(?:-[A-Za-z]*)?)(:|\)))/.exec(
        p.slice(this.i, this.i + 300),
      );
      if (!head) throw new Unsupported(`group ${p.slice(this.i - 1, this.i + 3)}`);
      this.i += head[0].length;
      if (head[1] !== undefined) this.applyFlags(head[1]);
      if (head[2] === ')') return OTHER; // (?i) and the like: no text of its own
    }
    const body = this.alternation();
    if (p[this.i] !== ')') throw new Unsupported('unclosed (');
    this.i++;
    this.caseless = outer;
    return { kind: 'group', body };
  }
}

/**
 * Literals of which every match of `pattern` contains at least one, each of at least
 * MIN_LITERAL_BYTES; null when no such list can be proven. `pattern` is RE2 syntax: pass
 * the compiled pattern's internalSource (node-re2 rewrites some JS spellings).
 */
export function requiredLiterals(pattern: string): readonly RequiredLiteral[] | null {
  let requirements: Requirement[];
  try {
    requirements = new Parser(pattern).parse().requirements;
  } catch {
    // Unsupported syntax, or nesting deep enough to exhaust the stack: no prefilter.
    return null;
  }
  const usable = requirements.filter((r) => r.every((l) => bytes(l) >= MIN_LITERAL_BYTES));
  return best(usable);
}
