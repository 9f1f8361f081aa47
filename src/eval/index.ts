/** Public surface of the quality benchmark (`boardwalk eval`). */
export { DATASET_NAMES, datasetFromArrays, datasetGraph, evalUsers, loadDataset, resolveDataDir, type EvalDataset } from './datasets.js';
export { heldOutRank, hitAt, LeaveOneOutMetrics, ndcgAt } from './metrics.js';
export { createMethod, DEFAULT_METHODS, methodNames, registerMethod, SLOW_METHODS, type MethodEntry } from './methods/registry.js';
export { ParamMethod, type EvalMethod, type MethodOptions, type Params } from './methods/types.js';
export { excludeSeenDefault, PUBLISHED, publishedFor, type PublishedFigure } from './published.js';
export { formatTable, writeReportJson, type EvalReport, type EvalRow, type SeenRule } from './report.js';
export { DEFAULT_BEYOND_USERS, printEvalTable, runEval, type RunEvalOptions } from './run.js';
export { checkSectionNames, formatSections, runSections, SECTION_NAMES, type EvalSections, type SectionName, type SectionOptions } from './sections/index.js';
export { beyondAccuracy, topKUnseen, type BeyondAccuracy, type TopLists } from './beyond-accuracy.js';
export { evaluateMethod, sampleUsers, type MethodResult } from './runner.js';
export { validationSplit } from './validation.js';
