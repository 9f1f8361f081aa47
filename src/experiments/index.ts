export { parseExperiment, parseExperiments, type ExperimentConfig, type VariantConfig } from './config.js';
export { assignAll, assignVariant, bucketPoint, mergedParams, murmur3, type Assignment } from './bucket.js';
export { experimentReport, formatExperimentReport, rate, type ExperimentReport, type ReportEvent, type VariantReport } from './report.js';
export { twoProportionZ, wilson, normalCdf } from './stats.js';
export { CursorError, decodeCursor, encodeCursor, requestFingerprint, type CursorPayload } from './cursor.js';
export { readExperimentsFile } from './file.js';
export { MemoryServedSetStore, nextPage, type ServedSetStore } from './served-set.js';
export { parseVariantParams, servingParams, PARAM_NAMES, QUOTA_SOURCES, type QuotaSource, type ServingParams, type VariantParams } from './params.js';
