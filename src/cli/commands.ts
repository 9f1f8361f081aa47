import type { Command } from 'commander';
import { register as registerStart } from './start.js';
import { register as registerEval } from './eval.js';
import { register as registerPinnerSage } from './pinnersage.js';
import { register as registerPinnerSageDaily } from './pinnersage-daily.js';
import { register as registerNewNeighbours } from './new-neighbours.js';
import { register as registerRetrain } from './retrain.js';
import { register as registerBuildGraph } from './build-graph.js';
import { register as registerServe } from './serve.js';
import { register as registerTrainRanker } from './train-ranker.js';
import { register as registerRankExplain } from './rank-explain.js';
import { register as registerImportRanker } from './import-ranker.js';
import { register as registerMemboost } from './memboost.js';
import { register as registerReport } from './report.js';
import { register as registerBulk } from './bulk.js';
import { register as registerFitBlend } from './fit-blend.js';

/**
 * Every subcommand lives in its own file under src/cli/ and exports `register(program)`.
 * Add one import and one call here per command.
 */
export function registerCommands(program: Command): void {
  registerStart(program);
  registerEval(program);
  registerBuildGraph(program);
  registerServe(program);
  registerTrainRanker(program);
  registerFitBlend(program);
  registerRankExplain(program);
  registerImportRanker(program);
  registerRetrain(program);
  registerPinnerSage(program);
  registerPinnerSageDaily(program);
  registerNewNeighbours(program);
  registerMemboost(program);
  registerReport(program);
  registerBulk(program);
}
