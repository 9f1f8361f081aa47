import { z } from 'zod';
import { parseOrThrow } from '../util/zod-parse.js';
import { parseVariantParams, type VariantParams } from './params.js';

/**
 * A/B experiment definitions: a name, weighted variants each with checked params (ranker
 * model, Pixie steps, fresh ratio, candidate quotas, ...; see params.ts) and a salt. Changing the salt reshuffles
 * users; changing weights moves only the users at the edges of the buckets.
 */
export interface VariantConfig {
  name: string;
  /** relative weight (> 0); weights need not sum to 1 */
  weight: number;
  /** what the variant changes, read by the serving code */
  params: VariantParams;
}

export interface ExperimentConfig {
  name: string;
  /** mixed into the bucketing hash (default: the experiment name) */
  salt: string;
  /** the variant others are compared with (default: the first) */
  control: string;
  variants: VariantConfig[];
  /** false: nobody is bucketed (every user gets the control's params, no experiment fields) */
  enabled: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

const VariantSchema = z.strictObject({
  name: z.string().regex(NAME, 'must be 1-64 letters, digits, _ . : - (starting with a letter or digit)'),
  weight: z.number().finite().positive('must be > 0').default(1),
  params: z.record(z.string(), z.unknown()).default({}),
});

const ExperimentSchema = z.strictObject({
  name: z.string().regex(NAME, 'must be 1-64 letters, digits, _ . : - (starting with a letter or digit)'),
  salt: z.string().min(1).optional(),
  control: z.string().optional(),
  enabled: z.boolean().default(true),
  variants: z.array(VariantSchema).min(2, 'needs at least 2 variants'),
});

/** Validates one experiment definition; errors name the field ("experiment x: variants.1.weight: must be > 0"). */
export function parseExperiment(raw: unknown): ExperimentConfig {
  const label = typeof raw === 'object' && raw !== null && typeof (raw as { name?: unknown }).name === 'string' ? (raw as { name: string }).name : '?';
  const d = parseOrThrow(ExperimentSchema, raw, `experiment ${label}`);
  const seen = new Set<string>();
  for (const v of d.variants) {
    if (seen.has(v.name)) throw new Error(`experiment ${d.name}: variant "${v.name}" is listed twice`);
    seen.add(v.name);
  }
  const control = d.control ?? d.variants[0]!.name;
  if (!seen.has(control)) throw new Error(`experiment ${d.name}: control "${control}" is not one of its variants (${[...seen].join(', ')})`);
  return {
    name: d.name,
    salt: d.salt ?? d.name,
    control,
    enabled: d.enabled,
    variants: d.variants.map((v) => ({ name: v.name, weight: v.weight, params: parseVariantParams(v.params, d.name, v.name) })),
  };
}

/** A list of experiments (JSON array or { experiments: [...] }); names must be unique. */
export function parseExperiments(raw: unknown): ExperimentConfig[] {
  const list = Array.isArray(raw) ? raw : typeof raw === 'object' && raw !== null && Array.isArray((raw as { experiments?: unknown }).experiments) ? (raw as { experiments: unknown[] }).experiments : null;
  if (list === null) throw new Error('experiments: expected a JSON array of experiments or { "experiments": [...] }');
  const out = list.map((e, i) => {
    try {
      return parseExperiment(e);
    } catch (err) {
      throw new Error(`experiments[${i}]: ${(err as Error).message}`);
    }
  });
  const names = new Set<string>();
  for (const e of out) {
    if (names.has(e.name)) throw new Error(`experiments: "${e.name}" is defined twice`);
    names.add(e.name);
  }
  return out;
}
