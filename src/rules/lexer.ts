/** Tokens of the rule language (see docs/product-features.md). */
export type TokenKind = 'ident' | 'number' | 'string' | 'op' | 'arrow' | '(' | ')' | '[' | ']' | ',' | 'end';

export interface Token {
  kind: TokenKind;
  /** identifier / operator text, string contents, or number text */
  text: string;
  value?: number;
  /** 1-based column in the line */
  col: number;
}

export class RuleSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly col: number,
    readonly detail: string,
  ) {
    super(`rule ${line}, col ${col}: ${detail}`);
    this.name = 'RuleSyntaxError';
  }
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdentStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdent = (c: string): boolean => isIdentStart(c) || isDigit(c) || c === '.';

/** Splits one rule line into tokens; `#` starts a comment outside strings. */
export function tokenize(src: string, line: number): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    const col = i + 1;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') break;
    if (c === '→') {
      out.push({ kind: 'arrow', text: '→', col });
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '->') {
      out.push({ kind: 'arrow', text: '->', col });
      i += 2;
      continue;
    }
    if (two === '==' || two === '!=' || two === '<=' || two === '>=' || two === '&&' || two === '||') {
      out.push({ kind: 'op', text: two, col });
      i += 2;
      continue;
    }
    if (c === '<' || c === '>' || c === '!') {
      out.push({ kind: 'op', text: c, col });
      i++;
      continue;
    }
    if (c === '=') throw new RuleSyntaxError(line, col, "'=' is not an operator; use '=='");
    if (c === '(' || c === ')' || c === '[' || c === ']' || c === ',') {
      out.push({ kind: c, text: c, col });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      for (;;) {
        if (j >= n) throw new RuleSyntaxError(line, col, 'unterminated string');
        const d = src[j]!;
        if (d === c) break;
        if (d === '\\' && j + 1 < n) {
          s += src[j + 1]!;
          j += 2;
          continue;
        }
        s += d;
        j++;
      }
      out.push({ kind: 'string', text: s, col });
      i = j + 1;
      continue;
    }
    if (isDigit(c) || ((c === '-' || c === '.') && i + 1 < n && (isDigit(src[i + 1]!) || src[i + 1] === '.'))) {
      const m = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
      if (!m) throw new RuleSyntaxError(line, col, `bad number`);
      const v = Number(m[0]);
      if (!Number.isFinite(v)) throw new RuleSyntaxError(line, col, `number ${m[0]} is out of range`);
      i += m[0].length;
      if (i < n && isIdentStart(src[i]!)) throw new RuleSyntaxError(line, col, `bad number '${m[0]}${src[i]}'`);
      out.push({ kind: 'number', text: m[0], value: v, col });
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdent(src[j]!)) j++;
      out.push({ kind: 'ident', text: src.slice(i, j), col });
      i = j;
      continue;
    }
    throw new RuleSyntaxError(line, col, `unexpected character '${c}'`);
  }
  out.push({ kind: 'end', text: '', col: n + 1 });
  return out;
}
