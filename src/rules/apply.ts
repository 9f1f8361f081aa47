import type { RecommendedPin } from '../surfaces/types.js';
import type { CompiledRule, FieldAccessor, FieldValue } from './compile.js';

export interface RuleOutcome {
  pins: RecommendedPin[];
  dropped: number;
  boosted: number;
  buried: number;
}

/**
 * The fields a RecommendedPin carries itself (pin as a decimal string of the dense id, score,
 * source, fresh, position = 0-based rank before the rules); `extra` supplies the rest (locale,
 * age_days, topic, ... from pin metadata) and may override these.
 */
export function pinFields(extra?: FieldAccessor): FieldAccessor {
  return (p, field, position) => {
    const v = extra?.(p, field, position);
    if (v !== undefined) return v;
    switch (field) {
      case 'pin':
        return String(p.pin);
      case 'score':
        return p.score;
      case 'source':
        return p.sources;
      case 'fresh':
        return p.fresh ?? false;
      case 'position':
        return position;
      default:
        return undefined;
    }
  };
}

/**
 * Applies rules to a ranked list. Every matching rule acts: `drop` removes the pin, `boost f`
 * multiplies its score by f (boosts compound), `bury` moves it below every unburied pin.
 * The result is re-sorted by score (stable), buried pins last; input pins are not mutated
 * (a boosted pin is a copy with `parts.rule_boost` set).
 */
export function applyRules(pins: readonly RecommendedPin[], rules: readonly CompiledRule[], get: FieldAccessor = pinFields()): RuleOutcome {
  if (rules.length === 0) return { pins: pins.slice(), dropped: 0, boosted: 0, buried: 0 };
  const kept: RecommendedPin[] = [];
  const buried: RecommendedPin[] = [];
  let dropped = 0;
  let boosted = 0;
  for (let pos = 0; pos < pins.length; pos++) {
    const p = pins[pos]!;
    const read = (f: string): FieldValue => get(p, f, pos);
    let factor = 1;
    let drop = false;
    let bury = false;
    for (const r of rules) {
      if (!r.test(read)) continue;
      if (r.action.kind === 'drop') {
        drop = true;
        break;
      }
      if (r.action.kind === 'bury') bury = true;
      else factor *= r.action.factor;
    }
    if (drop) {
      dropped++;
      continue;
    }
    let q = p;
    if (factor !== 1) {
      q = { ...p, score: p.score * factor, parts: { ...p.parts, rule_boost: factor } };
      boosted++;
    }
    (bury ? buried : kept).push(q);
  }
  const byScore = (a: RecommendedPin, b: RecommendedPin): number => b.score - a.score;
  kept.sort(byScore);
  buried.sort(byScore);
  return { pins: kept.concat(buried), dropped, boosted, buried: buried.length };
}
