import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GbdtModel } from '../ranking/gbdt/model.js';
import { loadXgboostModel } from '../ranking/gbdt/xgboost.js';
import { labelConfigFor } from '../ranking/labels.js';
import { ModelRegistry, type RegistryEntry } from '../ranking/registry.js';

/** `boardwalk import-ranker`: serve a model trained elsewhere (XGBoost JSON or boardwalk JSON) for a client. */

export interface ImportRankerOptions {
  client: string;
  registry: string;
  model: string;
  /** comma-separated feature names, when the file has none or they differ from boardwalk's */
  features?: string;
}

export function runImportRanker(o: ImportRankerOptions, log: (l: string) => void = (l) => process.stdout.write(`${l}\n`)): RegistryEntry {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(o.model, 'utf8'));
  } catch (e) {
    throw new Error(`${o.model}: cannot read a JSON model (${(e as Error).message})`);
  }
  const names = o.features?.split(',').map((s) => s.trim()).filter(Boolean);
  const isOwn = (json as { format?: unknown } | null)?.format === 'boardwalk-gbdt';
  const model = isOwn ? GbdtModel.fromJSON(json) : loadXgboostModel(json, names);
  if (isOwn && names) throw new Error('--features applies to XGBoost files only (boardwalk models carry their own)');
  const reg = new ModelRegistry(o.registry);
  const labels = reg.get(o.client)?.labels ?? labelConfigFor(o.client);
  const entry = reg.record(o.client, labels, model, {}, true, `imported from ${o.model}`);
  log(`${o.client} v${entry.version}: ${model.trees.length} trees over ${model.nFeatures} features (${model.featureNames.join(', ')}) from ${o.model}`);
  return entry;
}

export function register(program: Command): void {
  program
    .command('import-ranker')
    .description("make a model trained elsewhere (XGBoost save_model JSON, or boardwalk's own JSON) a client's ranker")
    .requiredOption('--client <name>', 'client surface')
    .requiredOption('--model <file>', 'model file')
    .option('--registry <dir>', 'model registry directory', 'registry')
    .option('--features <list>', 'comma-separated feature names for an XGBoost model (default: its feature_names)')
    .action((opts: ImportRankerOptions) => {
      runImportRanker(opts);
    });
}
