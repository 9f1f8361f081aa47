/** Public surface of the quality benchmark (`boardwalk eval`). */
export { DATASET_NAMES, datasetFromArrays, datasetGraph, evalUsers, loadDataset, resolveDataDir, type EvalDataset } from './datasets.js';
export { heldOutRank, hitAt, LeaveOneOutMetrics, ndcgAt } from './metrics.js';
export { createMethod, DEFAULT_METHODS, methodNames, registerMethod, type MethodEntry } from './methods/registry.js';
export { ParamMethod, type EvalMethod, type MethodOptions, type Params } from './methods/types.js';
export { excludeSeenDefault, PUBLISHED, publishedFor, type PublishedFigure } from './published.js';
export { formatTable, writeReportJson, type EvalReport, type EvalRow } from './report.js';
export { printEvalTable, runEval, type RunEvalOptions } from './run.js';
export { evaluateMethod, sampleUsers, type MethodResult } from './runner.js';
export { validationSplit } from './validation.js';
