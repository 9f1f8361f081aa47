import { RuleSyntaxError, tokenize, type Token } from './lexer.js';

/**
 * Recursive-descent parser of one rule: `<condition> -> <action>`.
 *
 *   condition  := or
 *   or         := and (('or' | '||') and)*
 *   and        := unary (('and' | '&&') unary)*
 *   unary      := ('not' | '!') unary | primary
 *   primary    := '(' or ')' | field [ op literal | ['not'] 'in' '[' literal (',' literal)* ']' ]
 *   literal    := number | string | true | false
 *   action     := 'drop' | 'bury' | 'boost' number
 */
export type Literal = number | string | boolean;
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type Cond =
  | { kind: 'and' | 'or'; left: Cond; right: Cond }
  | { kind: 'not'; arg: Cond }
  | { kind: 'cmp'; field: string; op: CompareOp; value: Literal; col: number; valueCol: number }
  | { kind: 'in'; field: string; values: Literal[]; negated: boolean; col: number; valueCols: number[] }
  | { kind: 'flag'; field: string; col: number };

export type RuleAction = { kind: 'drop' } | { kind: 'bury' } | { kind: 'boost'; factor: number };

export interface RuleAst {
  line: number;
  source: string;
  cond: Cond;
  action: RuleAction;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'drop', 'boost', 'bury']);

class Parser {
  private i = 0;
  constructor(
    private readonly t: Token[],
    private readonly line: number,
  ) {}

  private peek(): Token {
    return this.t[this.i]!;
  }
  private next(): Token {
    return this.t[this.i++]!;
  }
  private fail(tok: Token, msg: string): never {
    throw new RuleSyntaxError(this.line, tok.col, msg);
  }
  private isWord(tok: Token, w: string): boolean {
    return tok.kind === 'ident' && tok.text === w;
  }
  private describe(tok: Token): string {
    if (tok.kind === 'end') return 'end of rule';
    if (tok.kind === 'string') return `"${tok.text}"`;
    return `'${tok.text}'`;
  }

  rule(source: string): RuleAst {
    if (this.peek().kind === 'arrow') this.fail(this.peek(), 'missing condition before the arrow');
    const cond = this.or();
    const arrow = this.next();
    if (arrow.kind !== 'arrow') this.fail(arrow, `expected '->' and an action, got ${this.describe(arrow)}`);
    const action = this.action();
    const end = this.next();
    if (end.kind !== 'end') this.fail(end, `unexpected ${this.describe(end)} after the action`);
    return { line: this.line, source, cond, action };
  }

  private action(): RuleAction {
    const t = this.next();
    if (this.isWord(t, 'drop')) return { kind: 'drop' };
    if (this.isWord(t, 'bury')) return { kind: 'bury' };
    if (this.isWord(t, 'boost')) {
      const f = this.next();
      if (f.kind !== 'number') this.fail(f, `boost needs a factor (a number > 0), got ${this.describe(f)}`);
      if (!(f.value! > 0)) this.fail(f, `boost factor must be > 0, got ${f.text}`);
      return { kind: 'boost', factor: f.value! };
    }
    return this.fail(t, `unknown action ${this.describe(t)} (expected drop, boost <factor> or bury)`);
  }

  private or(): Cond {
    let left = this.and();
    for (;;) {
      const t = this.peek();
      if (!(this.isWord(t, 'or') || (t.kind === 'op' && t.text === '||'))) return left;
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
  }

  private and(): Cond {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (!(this.isWord(t, 'and') || (t.kind === 'op' && t.text === '&&'))) return left;
      this.next();
      left = { kind: 'and', left, right: this.unary() };
    }
  }

  private unary(): Cond {
    const t = this.peek();
    if (this.isWord(t, 'not') || (t.kind === 'op' && t.text === '!')) {
      this.next();
      return { kind: 'not', arg: this.unary() };
    }
    return this.primary();
  }

  private literal(): { value: Literal; col: number } {
    const t = this.next();
    if (t.kind === 'number') return { value: t.value!, col: t.col };
    if (t.kind === 'string') return { value: t.text, col: t.col };
    if (this.isWord(t, 'true')) return { value: true, col: t.col };
    if (this.isWord(t, 'false')) return { value: false, col: t.col };
    if (t.kind === 'ident') this.fail(t, `expected a value, got ${this.describe(t)} (quote strings: "${t.text}")`);
    return this.fail(t, `expected a value, got ${this.describe(t)}`);
  }

  private primary(): Cond {
    const t = this.next();
    if (t.kind === '(') {
      const c = this.or();
      const close = this.next();
      if (close.kind !== ')') this.fail(close, `expected ')', got ${this.describe(close)}`);
      return c;
    }
    if (t.kind !== 'ident' || KEYWORDS.has(t.text)) this.fail(t, `expected a field name, got ${this.describe(t)}`);
    const field = t.text;
    const op = this.peek();
    if (op.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(op.text)) {
      this.next();
      const v = this.literal();
      return { kind: 'cmp', field, op: op.text as CompareOp, value: v.value, col: t.col, valueCol: v.col };
    }
    let negated = false;
    if (this.isWord(op, 'not') && this.isWord(this.t[this.i + 1]!, 'in')) {
      this.next();
      negated = true;
    }
    if (this.isWord(this.peek(), 'in')) {
      this.next();
      const open = this.next();
      if (open.kind !== '[') this.fail(open, `expected '[' after 'in', got ${this.describe(open)}`);
      const values: Literal[] = [];
      const valueCols: number[] = [];
      if (this.peek().kind === ']') this.fail(this.peek(), "empty list after 'in'");
      for (;;) {
        const v = this.literal();
        values.push(v.value);
        valueCols.push(v.col);
        const sep = this.next();
        if (sep.kind === ']') break;
        if (sep.kind !== ',') this.fail(sep, `expected ',' or ']', got ${this.describe(sep)}`);
      }
      return { kind: 'in', field, values, negated, col: t.col, valueCols };
    }
    return { kind: 'flag', field, col: t.col };
  }
}

/** Parses one rule line (already known not to be blank or a comment). */
export function parseRule(source: string, line: number): RuleAst {
  return new Parser(tokenize(source, line), line).rule(source);
}
