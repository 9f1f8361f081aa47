/**
 * Tuning helper for `boardwalk eval`: runs one method over a grid of parameter settings on a
 * user subsample. Usage:
 *   npx tsx scripts/eval-tune.ts <dataset> <method> [--users N] [--seed S] [--val] key=v1,v2 ...
 * --val tunes on a validation split carved from training (no peeking at the test set).
 */
import { loadDataset } from '../src/eval/datasets.js';
import { createMethod } from '../src/eval/methods/registry.js';
import { evaluateMethod, sampleUsers } from '../src/eval/runner.js';
import { validationSplit } from '../src/eval/validation.js';

const args = process.argv.slice(2);
const [dsName, methodName] = args;
if (!dsName || !methodName) throw new Error('usage: eval-tune.ts <dataset> <method> [--users N] [--seed S] [--val] key=v1,v2 ...');
let users = 500;
let seed = 1;
let val = false;
const grid: [string, number[]][] = [];
for (let i = 2; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--users') users = Number(args[++i]);
  else if (a === '--seed') seed = Number(args[++i]);
  else if (a === '--val') val = true;
  else {
    const [k, v] = a.split('=');
    grid.push([k!, v!.split(',').map(Number)]);
  }
}
let ds = loadDataset(dsName);
if (val) ds = validationSplit(ds, seed);
const sample = sampleUsers(ds, users, seed);

function* combos(i: number, cur: Record<string, number>): Generator<Record<string, number>> {
  if (i === grid.length) {
    yield { ...cur };
    return;
  }
  for (const v of grid[i]![1]) yield* combos(i + 1, { ...cur, [grid[i]![0]]: v });
}

for (const params of combos(0, {})) {
  const m = createMethod(methodName, { params, seed });
  const r = await evaluateMethod(ds, m, { users: sample });
  console.log(
    `${dsName}${val ? '(val)' : ''} ${methodName} HR ${r.hr.toFixed(4)} NDCG ${r.ndcg.toFixed(4)} ` +
      `prep ${r.prepareSeconds.toFixed(1)}s score ${r.scoreSeconds.toFixed(1)}s | ${m.settings()}`,
  );
}
