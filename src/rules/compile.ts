import type { RecommendedPin } from '../surfaces/types.js';
import { RuleSyntaxError } from './lexer.js';
import { parseRule, type Cond, type Literal, type RuleAction } from './parser.js';

/** Field types: 'strings' holds several values (a pin's topics, a candidate's sources). */
export type FieldType = 'number' | 'string' | 'strings' | 'boolean';
export type FieldValue = number | string | boolean | readonly string[] | undefined;

/** Fields rules may read, unless the caller passes its own. */
export const DEFAULT_FIELDS: Readonly<Record<string, FieldType>> = {
  pin: 'string',
  score: 'number',
  source: 'strings',
  fresh: 'boolean',
  locale: 'string',
  age_days: 'number',
  topic: 'strings',
  board_count: 'number',
  save_count: 'number',
  position: 'number',
};

/** Reads a field of a pin; undefined = unknown, and every comparison with it is false. */
export type FieldAccessor = (pin: RecommendedPin, field: string, position: number) => FieldValue;

export interface CompiledRule {
  line: number;
  source: string;
  action: RuleAction;
  test: (get: (field: string) => FieldValue) => boolean;
  /** fields the rule reads */
  fields: string[];
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

const typeName = (v: Literal): string => (typeof v === 'number' ? 'a number' : typeof v === 'string' ? 'a string' : 'a boolean');
const wants = (t: FieldType): string => (t === 'number' ? 'a number' : t === 'boolean' ? 'true or false' : 'a string');

class Checker {
  readonly used = new Set<string>();
  constructor(
    private readonly fields: Readonly<Record<string, FieldType>>,
    private readonly line: number,
  ) {}

  private field(name: string, col: number): FieldType {
    const t = this.fields[name];
    if (t === undefined) {
      const known = Object.keys(this.fields);
      const near = known.map((k) => [k, editDistance(name, k)] as const).sort((a, b) => a[1] - b[1])[0];
      const hint = near && near[1] <= 2 ? ` (did you mean '${near[0]}'?)` : ` (known: ${known.join(', ')})`;
      throw new RuleSyntaxError(this.line, col, `unknown field '${name}'${hint}`);
    }
    this.used.add(name);
    return t;
  }

  private literal(field: string, t: FieldType, v: Literal, col: number): void {
    const ok = t === 'number' ? typeof v === 'number' : t === 'boolean' ? typeof v === 'boolean' : typeof v === 'string';
    if (!ok) throw new RuleSyntaxError(this.line, col, `field '${field}' is compared with ${typeName(v)}; it needs ${wants(t)}`);
  }

  /** Type-checks and turns the tree into a closure. */
  compile(c: Cond): (get: (f: string) => FieldValue) => boolean {
    switch (c.kind) {
      case 'and': {
        const l = this.compile(c.left);
        const r = this.compile(c.right);
        return (g) => l(g) && r(g);
      }
      case 'or': {
        const l = this.compile(c.left);
        const r = this.compile(c.right);
        return (g) => l(g) || r(g);
      }
      case 'not': {
        const a = this.compile(c.arg);
        return (g) => !a(g);
      }
      case 'flag': {
        const t = this.field(c.field, c.col);
        if (t !== 'boolean') throw new RuleSyntaxError(this.line, c.col, `field '${c.field}' is not true/false; compare it (e.g. ${c.field} == ...)`);
        const f = c.field;
        return (g) => g(f) === true;
      }
      case 'in': {
        const t = this.field(c.field, c.col);
        c.values.forEach((v, k) => this.literal(c.field, t, v, c.valueCols[k]!));
        const set = new Set<Literal>(c.values);
        const f = c.field;
        const neg = c.negated;
        return (g) => {
          const v = g(f);
          if (v === undefined) return false;
          const hit = Array.isArray(v) ? v.some((x) => set.has(x)) : set.has(v as Literal);
          return neg ? !hit : hit;
        };
      }
      case 'cmp': {
        const t = this.field(c.field, c.col);
        this.literal(c.field, t, c.value, c.valueCol);
        if (t !== 'number' && c.op !== '==' && c.op !== '!=')
          throw new RuleSyntaxError(this.line, c.col, `operator ${c.op} needs a number field; '${c.field}' holds ${t === 'boolean' ? 'true/false' : 'text'}`);
        const f = c.field;
        const x = c.value;
        if (t === 'strings') {
          return c.op === '=='
            ? (g) => {
                const v = g(f);
                return Array.isArray(v) && v.includes(x as string);
              }
            : (g) => {
                const v = g(f);
                return Array.isArray(v) && !v.includes(x as string);
              };
        }
        switch (c.op) {
          case '==':
            return (g) => {
              const v = g(f);
              return v !== undefined && v === x;
            };
          case '!=':
            return (g) => {
              const v = g(f);
              return v !== undefined && v !== x;
            };
          case '<':
            return (g) => (g(f) as number) < (x as number);
          case '<=':
            return (g) => (g(f) as number) <= (x as number);
          case '>':
            return (g) => (g(f) as number) > (x as number);
          case '>=':
            return (g) => (g(f) as number) >= (x as number);
        }
      }
    }
  }
}

/**
 * Compiles a rule text: one rule per line, blank lines and `#` comments ignored. Errors name the
 * line and column: "rule 2, col 14: unknown field 'agee_days' (did you mean 'age_days'?)".
 */
export function compileRules(text: string, fields: Readonly<Record<string, FieldType>> = DEFAULT_FIELDS): CompiledRule[] {
  const out: CompiledRule[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const src = lines[i]!.replace(/\r$/, '');
    const trimmed = src.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const ast = parseRule(src, i + 1);
    const ch = new Checker(fields, i + 1);
    const test = ch.compile(ast.cond);
    out.push({ line: i + 1, source: trimmed, action: ast.action, test, fields: [...ch.used] });
  }
  return out;
}
