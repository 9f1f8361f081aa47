import { formatFreshnessSection, runFreshnessSection, type FreshnessSection } from './freshness.js';
import { formatPinnerSageSection, runPinnerSageSection, type PinnerSageSection } from './pinnersage.js';
import { formatRankerSection, runRankerSection, type RankerSection } from './ranker.js';
import { formatReplaySection, runReplaySection, type ReplaySection } from './replay.js';
import type { ReplayOptions } from '../replay/replay.js';
import type { FreshnessEvalOptions } from '../../users/freshness-eval.js';
import type { Params } from '../methods/types.js';
import type { SectionContext } from './types.js';

/** Opt-in sections of `boardwalk eval`, in report order. */
export const SECTION_NAMES = ['replay', 'ranker', 'pinnersage', 'freshness'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export interface EvalSections {
  replay?: ReplaySection;
  ranker?: RankerSection;
  pinnersage?: PinnerSageSection;
  freshness?: FreshnessSection;
}

/** Per-section option overrides (tests use small settings). */
export interface SectionOptions {
  replay?: Partial<ReplayOptions>;
  ranker?: { requests?: number; clients?: string[] };
  pinnersage?: { params?: Params; recall?: boolean };
  freshness?: Partial<FreshnessEvalOptions>;
}

export function checkSectionNames(names: readonly string[]): SectionName[] {
  for (const n of names)
    if (!(SECTION_NAMES as readonly string[]).includes(n)) throw new Error(`unknown eval section "${n}" (known: ${SECTION_NAMES.join(', ')})`);
  return SECTION_NAMES.filter((n) => names.includes(n));
}

export async function runSections(names: readonly SectionName[], ctx: SectionContext, options: SectionOptions = {}): Promise<EvalSections> {
  const out: EvalSections = {};
  for (const n of names) {
    if (n === 'replay') out.replay = await runReplaySection(ctx, options.replay);
    else if (n === 'ranker') out.ranker = runRankerSection(ctx, options.ranker);
    else if (n === 'pinnersage') out.pinnersage = runPinnerSageSection(ctx, options.pinnersage);
    else out.freshness = runFreshnessSection(ctx, options.freshness);
  }
  return out;
}

export function formatSections(s: EvalSections): string {
  const parts: string[] = [];
  if (s.replay) parts.push(formatReplaySection(s.replay));
  if (s.ranker) parts.push(formatRankerSection(s.ranker));
  if (s.pinnersage) parts.push(formatPinnerSageSection(s.pinnersage));
  if (s.freshness) parts.push(formatFreshnessSection(s.freshness));
  return parts.join('\n');
}
