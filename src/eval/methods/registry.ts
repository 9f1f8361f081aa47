import { ItemKnnMethod } from './itemknn.js';
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

/** Methods run by default, in table order. */
export const DEFAULT_METHODS = ['pop', 'itemknn', 'rp3beta', 'pixie'];

registerMethod({ name: 'pop', description: 'most popular items first (training degree)', create: (o) => new PopularityMethod(o) });
registerMethod({ name: 'itemknn', description: 'item kNN, shrunk cosine', create: (o) => new ItemKnnMethod(o) });
registerMethod({ name: 'rp3beta', description: 'RP3beta 3-step walk with popularity damping', create: (o) => new Rp3betaMethod(o) });
registerMethod({ name: 'pixie', description: 'Pixie random walks from the user’s items (src/walk/pixie.ts)', create: (o) => new PixieMethod(o) });
