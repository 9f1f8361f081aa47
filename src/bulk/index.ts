export { BULK_KINDS, checkKind, validateRow, writeBatch, readBatches, type BulkKind } from './kinds.js';
export { importFile, importLines, BulkInputError, defaultCheckpointPath, type ImportOptions, type ImportResult } from './import.js';
export { exportFile, exportTo, type ExportOptions, type ExportResult } from './export.js';
export { terminalProgress, silentProgress, type Progress } from './progress.js';
export { readCheckpoint, type Checkpoint } from './checkpoint.js';
export { readLines, linesOf, isGzipFile, type LineSource } from './lines.js';
