import { describe, expect, it } from 'vitest';
import { applyRules, pinFields } from '../../src/rules/apply.js';
import { compileRules, type FieldValue } from '../../src/rules/compile.js';
import { tokenize } from '../../src/rules/lexer.js';
import type { RecommendedPin } from '../../src/surfaces/types.js';

const pin = (id: number, score: number, sources = ['pixie']): RecommendedPin => ({ pin: id, score, sources, parts: {} });

// metadata of the hand-made pins
const meta: Record<number, { locale: string; age_days: number; topic: string[] }> = {
  1: { locale: 'fr', age_days: 10, topic: ['food'] },
  2: { locale: 'en', age_days: 400, topic: ['travel'] },
  3: { locale: 'fr', age_days: 30, topic: ['food', 'travel'] },
  4: { locale: 'de', age_days: 5, topic: [] },
};
const get = pinFields((p, f) => (meta[p.pin] as Record<string, FieldValue> | undefined)?.[f]);
const list = [pin(1, 1.0), pin(2, 0.9), pin(3, 0.8, ['pixie', 'text']), pin(4, 0.7)];

/** Which of the 4 pins a condition matches, via `-> drop`. */
function matches(cond: string): number[] {
  const r = applyRules(list, compileRules(`${cond} -> drop`), get);
  const kept = new Set(r.pins.map((p) => p.pin));
  return [1, 2, 3, 4].filter((id) => !kept.has(id));
}

describe('rule language', () => {
  it('tokenizes arrows, operators, strings and numbers with columns', () => {
    const t = tokenize('age_days >= -1.5e2 → boost 2 # note', 1);
    expect(t.map((x) => x.kind)).toEqual(['ident', 'op', 'number', 'arrow', 'ident', 'number', 'end']);
    expect(t[2]!.value).toBe(-150);
    expect(t[3]!.col).toBe(20);
    expect(tokenize("a == 'x\\'y'", 1)[2]!.text).toBe("x'y");
  });

  it('evaluates comparisons, in, and/or/not and parentheses', () => {
    expect(matches('locale == "fr"')).toEqual([1, 3]);
    expect(matches('locale != "fr"')).toEqual([2, 4]);
    expect(matches('age_days > 365')).toEqual([2]);
    expect(matches('age_days <= 10')).toEqual([1, 4]);
    expect(matches('locale in ["en", "de"]')).toEqual([2, 4]);
    expect(matches('locale not in ["en", "de"]')).toEqual([1, 3]);
    expect(matches('topic == "travel"')).toEqual([2, 3]);
    expect(matches('topic in ["food"] and not topic == "travel"')).toEqual([1]);
    expect(matches('locale == "fr" and age_days > 20 or locale == "de"')).toEqual([3, 4]);
    expect(matches('locale == "fr" and (age_days > 20 or age_days < 0)')).toEqual([3]);
    expect(matches('!(score >= 0.8) || source == "text"')).toEqual([3, 4]);
    expect(matches('position == 0 && pin == "1"')).toEqual([1]);
    expect(matches('fresh')).toEqual([]);
    expect(matches('not fresh == true')).toEqual([1, 2, 3, 4]);
  });

  it('treats a missing value as matching no comparison', () => {
    const r = applyRules([pin(9, 1)], compileRules('locale != "fr" -> drop\nage_days < 100 -> drop'), get);
    expect(r.pins.map((p) => p.pin)).toEqual([9]);
  });

  it('applies drop, compounding boosts and bury, then re-sorts', () => {
    const rules = compileRules(
      [
        '# French food first, stale pins out',
        'locale == "fr" → boost 1.2',
        'topic == "food" -> boost 1.5',
        'age_days > 365 -> drop',
        '',
        'locale == "de" -> bury',
      ].join('\n'),
    );
    expect(rules.map((r) => r.line)).toEqual([2, 3, 4, 6]);
    const r = applyRules(list, rules, get);
    expect(r.pins.map((p) => p.pin)).toEqual([1, 3, 4]);
    expect(r.pins[0]!.score).toBeCloseTo(1.8, 12);
    expect(r.pins[1]!.score).toBeCloseTo(0.8 * 1.8, 12);
    expect(r.pins[1]!.parts['rule_boost']).toBeCloseTo(1.8, 12);
    expect(r).toMatchObject({ dropped: 1, boosted: 2, buried: 1 });
    expect(list[0]!.score).toBe(1.0); // input untouched
  });

  it('bury puts a pin below all others even with a higher score', () => {
    const r = applyRules(list, compileRules('pin == "1" -> bury'), get);
    expect(r.pins.map((p) => p.pin)).toEqual([2, 3, 4, 1]);
  });

  it('reports errors with rule line and column', () => {
    const err = (text: string): string => {
      try {
        compileRules(text);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err('locale == "fr" -> drop\nlocale == "x" or agee_days > 3 -> drop')).toBe(
      "rule 2, col 18: unknown field 'agee_days' (did you mean 'age_days'?)",
    );
    expect(err('colour == "red" -> drop')).toMatch(/^rule 1, col 1: unknown field 'colour' \(known: pin, score/);
    expect(err('age_days > "old" -> drop')).toBe("rule 1, col 12: field 'age_days' is compared with a string; it needs a number");
    expect(err('locale < "fr" -> drop')).toBe("rule 1, col 1: operator < needs a number field; 'locale' holds text");
    expect(err('locale == fr -> drop')).toBe('rule 1, col 11: expected a value, got \'fr\' (quote strings: "fr")');
    expect(err('locale = "fr" -> drop')).toBe("rule 1, col 8: '=' is not an operator; use '=='");
    expect(err('locale == "fr" -> boost')).toBe('rule 1, col 24: boost needs a factor (a number > 0), got end of rule');
    expect(err('locale == "fr" -> boost 0')).toBe('rule 1, col 25: boost factor must be > 0, got 0');
    expect(err('locale == "fr" -> hide')).toBe("rule 1, col 19: unknown action 'hide' (expected drop, boost <factor> or bury)");
    expect(err('locale == "fr"')).toBe("rule 1, col 15: expected '->' and an action, got end of rule");
    expect(err('(locale == "fr" -> drop')).toBe("rule 1, col 17: expected ')', got '->'");
    expect(err('locale in [] -> drop')).toBe("rule 1, col 12: empty list after 'in'");
    expect(err('locale == "fr -> drop')).toBe('rule 1, col 11: unterminated string');
    expect(err('-> drop')).toBe('rule 1, col 1: missing condition before the arrow');
    expect(err('age_days -> drop')).toBe("rule 1, col 1: field 'age_days' is not true/false; compare it (e.g. age_days == ...)");
    expect(err('fresh == true -> drop drop')).toBe("rule 1, col 23: unexpected 'drop' after the action");
    expect(err('score > 1 @ -> drop')).toBe("rule 1, col 11: unexpected character '@'");
  });

  it('accepts custom field sets', () => {
    const rules = compileRules('brand == "acme" -> boost 2', { brand: 'string' });
    expect(rules[0]!.fields).toEqual(['brand']);
    expect(() => compileRules('locale == "fr" -> drop', { brand: 'string' })).toThrow(/unknown field 'locale'/);
  });
});
