/**
 * A small, safe reader for the literal data terms Hex files are written in:
 * Erlang term files (`metadata.config` in a package tarball, `rebar.lock`)
 * and the Elixir literal in `mix.lock`. No evaluation, only literals:
 * binaries, strings, atoms, numbers, tuples, lists, maps, keyword lists.
 * Nesting is bounded so hostile input cannot exhaust the stack.
 */

/** Term is a decoded literal. Binaries and strings both become JS strings. */
export type Term = string | number | boolean | null | Atom | Tuple | Term[] | TermMap;
export interface Atom {
  readonly atom: string;
}
export interface Tuple {
  readonly tuple: Term[];
}
export interface TermMap {
  readonly map: [Term, Term][];
}

/** TermSyntaxError is thrown by the parsers; callers turn it into an InputError naming their file. */
export class TermSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const MAX_DEPTH = 64;

export const isAtom = (t: Term | undefined, name?: string): t is Atom =>
  typeof t === 'object' && t !== null && 'atom' in t && (name === undefined || t.atom === name);
export const isTuple = (t: Term | undefined): t is Tuple =>
  typeof t === 'object' && t !== null && 'tuple' in t;
export const isMap = (t: Term | undefined): t is TermMap =>
  typeof t === 'object' &&
  t !== null &&
  !Array.isArray(t) &&
  'map' in t &&
  Array.isArray((t as TermMap).map);

class Scanner {
  pos = 0;
  constructor(
    readonly text: string,
    readonly dialect: 'erlang' | 'elixir',
  ) {}

  fail(message: string): never {
    const line = this.text.slice(0, this.pos).split('\n').length;
    throw new TermSyntaxError(`${message} at line ${line}`, this.pos);
  }

  skipSpace(): void {
    const comment = this.dialect === 'erlang' ? '%' : '#';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) return;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else if (c === comment && !(this.dialect === 'elixir' && this.text[this.pos + 1] === '{')) {
        while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
      } else return;
    }
  }

  peek(): string | undefined {
    this.skipSpace();
    return this.text[this.pos];
  }

  expect(s: string): void {
    this.skipSpace();
    if (!this.text.startsWith(s, this.pos)) this.fail(`expected "${s}"`);
    this.pos += s.length;
  }

  tryEat(s: string): boolean {
    this.skipSpace();
    if (this.text.startsWith(s, this.pos)) {
      this.pos += s.length;
      return true;
    }
    return false;
  }

  quoted(q: '"' | "'"): string {
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) this.fail('unterminated string');
      if (c === q) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      if (e === undefined) this.fail('unterminated escape');
      const simple: Record<string, string> = {
        n: '\n',
        t: '\t',
        r: '\r',
        s: ' ',
        b: '\b',
        f: '\f',
        v: '\v',
        e: '\x1b',
        d: '\x7f',
        '0': '\0',
      };
      if (e === 'x') {
        let hex: string;
        if (this.text[this.pos] === '{') {
          const end = this.text.indexOf('}', this.pos);
          if (end < 0) this.fail('bad \\x{} escape');
          hex = this.text.slice(this.pos + 1, end);
          this.pos = end + 1;
        } else {
          hex = this.text.slice(this.pos, this.pos + 2);
          this.pos += 2;
        }
        if (!/^[0-9a-fA-F]{1,6}$/.test(hex) || parseInt(hex, 16) > 0x10ffff)
          this.fail('bad \\x escape');
        out += String.fromCodePoint(parseInt(hex, 16));
      } else if (this.dialect === 'erlang' && /[0-7]/.test(e)) {
        let oct = e;
        while (oct.length < 3 && /[0-7]/.test(this.text[this.pos] ?? ''))
          oct += this.text[this.pos++];
        out += String.fromCharCode(parseInt(oct, 8));
      } else if (this.dialect === 'elixir' && e === 'u') {
        const m = /^(?:\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{4}))/.exec(this.text.slice(this.pos));
        if (!m || parseInt(m[1] ?? m[2]!, 16) > 0x10ffff) this.fail('bad \\u escape');
        out += String.fromCodePoint(parseInt(m[1] ?? m[2]!, 16));
        this.pos += m[0].length;
      } else out += simple[e] ?? e;
    }
  }

  term(depth: number): Term {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    const c = this.peek();
    if (c === undefined) this.fail('unexpected end of input');
    if (c === '"') return this.quoted('"');
    if (c === '{') return { tuple: this.seq('{', '}', depth) as Term[] };
    if (c === '[') return this.seq('[', ']', depth) as Term[];
    if (this.dialect === 'erlang') {
      if (this.text.startsWith('<<', this.pos)) return this.binary();
      if (c === "'") return { atom: this.quoted("'") };
      if (c === '#' && this.text[this.pos + 1] === '{') {
        this.pos++;
        return { map: this.seq('{', '}', depth, '=>') as [Term, Term][] };
      }
    } else {
      if (c === '%' && this.text[this.pos + 1] === '{') {
        this.pos++;
        return { map: this.seq('{', '}', depth, '=>') as [Term, Term][] };
      }
      if (c === ':') {
        this.pos++;
        if (this.text[this.pos] === '"') return { atom: this.quoted('"') };
        return { atom: this.word() };
      }
    }
    if (/[-0-9]/.test(c)) return this.number();
    if (/[a-zA-Z_]/.test(c)) {
      const w = this.word();
      if (w === 'true') return true;
      if (w === 'false') return false;
      if (w === 'nil' && this.dialect === 'elixir') return null;
      return { atom: w };
    }
    this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  word(): string {
    const m = /^[a-zA-Z_][a-zA-Z0-9_@.]*[?!]?/.exec(this.text.slice(this.pos, this.pos + 256));
    if (!m) this.fail('expected a name');
    this.pos += m[0].length;
    return m[0];
  }

  number(): number {
    const m = /^-?\d+(?:\.\d+(?:[eE][-+]?\d+)?)?/.exec(this.text.slice(this.pos, this.pos + 64));
    if (!m) this.fail('expected a number');
    this.pos += m[0].length;
    return Number(m[0]);
  }

  binary(): string {
    this.pos += 2;
    if (this.tryEat('>>')) return '';
    let out = '';
    do {
      if (this.peek() !== '"') this.fail('only string binaries are supported');
      out += this.quoted('"');
      if (this.tryEat('/')) this.word(); // "/utf8": the text is already decoded
    } while (this.tryEat(','));
    this.expect('>>');
    return out;
  }

  /** seq reads "open item, item close"; with a pair separator it reads k => v pairs (and Elixir `k: v`). */
  seq(open: string, close: string, depth: number, pairSep?: string): Term[] | [Term, Term][] {
    this.expect(open);
    const items: Term[] = [];
    const pairs: [Term, Term][] = [];
    if (this.tryEat(close)) return pairSep ? pairs : items;
    for (;;) {
      const kw = this.dialect === 'elixir' ? this.keywordKey() : undefined;
      if (kw !== undefined) {
        const value = this.term(depth + 1);
        if (pairSep) pairs.push([kw, value]);
        else items.push({ tuple: [kw, value] });
      } else {
        const t = this.term(depth + 1);
        if (pairSep) {
          this.expect(pairSep);
          pairs.push([t, this.term(depth + 1)]);
        } else items.push(t);
      }
      if (this.tryEat(close)) break;
      this.expect(',');
      if (this.dialect === 'elixir' && this.tryEat(close)) break; // trailing comma
    }
    return pairSep ? pairs : items;
  }

  /** keywordKey reads an Elixir `key:` or `"key":` prefix, if there is one. */
  keywordKey(): Term | undefined {
    this.skipSpace();
    const start = this.pos;
    const rest = this.text.slice(this.pos, this.pos + 300);
    const bare = /^([a-zA-Z_][a-zA-Z0-9_@]*[?!]?):(?=\s)/.exec(rest);
    if (bare) {
      this.pos += bare[0].length;
      return { atom: bare[1]! };
    }
    if (rest.startsWith('"')) {
      const s = this.quoted('"');
      if (this.text[this.pos] === ':' && /\s/.test(this.text[this.pos + 1] ?? '')) {
        this.pos++;
        return s;
      }
      this.pos = start;
    }
    return undefined;
  }
}

/** parseErlangTerms reads a file of Erlang terms, each ending with ".", as file:consult does. */
export function parseErlangTerms(text: string): Term[] {
  const s = new Scanner(text, 'erlang');
  const out: Term[] = [];
  while (s.peek() !== undefined) {
    out.push(s.term(0));
    s.expect('.');
  }
  return out;
}

/** parseElixirTerm reads one Elixir literal (the whole file), as mix.lock is. */
export function parseElixirTerm(text: string): Term {
  const s = new Scanner(text, 'elixir');
  const t = s.term(0);
  if (s.peek() !== undefined) s.fail('unexpected text after the term');
  return t;
}
