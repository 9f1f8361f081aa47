import { TwoTowerEvalMethod } from '../../retrieval/eval-method.js';
import { PinnerSageMethod, SingleEmbeddingMethod } from '../../users/eval-method.js';
import { ItemKnnMethod } from './itemknn.js';
import { PixieRankedMethod } from './pixie-ranked.js';
import { PixieMethod } from './pixie.js';
import { PopularityMethod } from './popularity.js';
import { Rp3betaMethod } from './rp3beta.js';
import type { EvalMethod, MethodOptions } from './types.js';

export interface MethodEntry {
  name: string;
  description: string;
  create(options: MethodOptions): EvalMethod;
}

const registry = new Map<string, MethodEntry>();

/** Adds a method to `boardwalk eval` (others register the full pipeline, GBDT, two-tower...). */
export function registerMethod(entry: MethodEntry): void {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(entry.name)) throw new Error(`eval method name ${JSON.stringify(entry.name)} must be lower-case letters, digits, '-'`);
  if (registry.has(entry.name)) throw new Error(`eval method ${entry.name} is already registered`);
  registry.set(entry.name, entry);
}

export function methodNames(): string[] {
  return [...registry.keys()];
}

export function methodEntry(name: string): MethodEntry {
  const e = registry.get(name);
  if (!e) throw new Error(`unknown eval method "${name}" (known: ${methodNames().join(', ')})`);
  return e;
}

export function createMethod(name: string, options: MethodOptions = {}): EvalMethod {
  return methodEntry(name).create(options);
}

/** Methods run by default, in table order: the graph methods, fast (about 2 min for both sets). */
export const DEFAULT_METHODS = ['pop', 'itemknn', 'rp3beta', 'pixie'];

/** Embedding methods, opt-in with --methods: they train models (minutes; see docs/eval.md). */
export const SLOW_METHODS = ['twotower', 'single-embedding', 'pinnersage', 'pixie-ranked'];

registerMethod({ name: 'pop', description: 'most popular items first (training degree)', create: (o) => new PopularityMethod(o) });
registerMethod({ name: 'itemknn', description: 'item kNN, shrunk cosine', create: (o) => new ItemKnnMethod(o) });
registerMethod({ name: 'rp3beta', description: 'RP3beta 3-step walk with popularity damping', create: (o) => new Rp3betaMethod(o) });
registerMethod({ name: 'pixie', description: 'Pixie random walks from the user’s items (src/walk/pixie.ts)', create: (o) => new PixieMethod(o) });
registerMethod({
  name: 'pixie-ranked',
  description: 'Pixie walk features + a GBDT ranker trained on a holdout of the training data (slow: trains first)',
  create: (o) => new PixieRankedMethod(o),
});
registerMethod({
  name: 'twotower',
  description: 'two-tower learned retrieval, u·v (src/retrieval; slow: trains the towers)',
  create: (o) => new TwoTowerEvalMethod(o),
});
registerMethod({
  name: 'single-embedding',
  description: 'one vector per user: decayed mean of SVD item embeddings, cosine (src/users)',
  create: (o) => new SingleEmbeddingMethod(o),
});
registerMethod({
  name: 'pinnersage',
  description: 'PinnerSage: Ward clusters of the user’s items, best cosine to 3 sampled medoids (src/users)',
  create: (o) => new PinnerSageMethod(o),
});
