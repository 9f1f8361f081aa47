import { GraphBuilder, type NodeMetaInput } from './builder.js';
import { forEachRecord, formatFromName, parseCsvRecord, readLines, RecordError, type ColumnRef, type TextFormat } from './edge-file.js';

/**
 * Reader for pin or board metadata files: one record per node with id, locale, topic and
 * created_at (epoch milliseconds, or an ISO date). Empty values leave the field unknown.
 */
export interface MetadataFileOptions {
  /** whose metadata the file holds (default 'pin') */
  kind?: 'pin' | 'board';
  /** default: from the file name, as for edge files */
  format?: TextFormat;
  /** first line names the columns (default true for TSV/CSV) */
  header?: boolean;
  delimiter?: string;
  /** column refs; defaults are the names id, locale, topic, created_at (or indices 0..3 without a header) */
  idCol?: ColumnRef;
  localeCol?: ColumnRef;
  topicCol?: ColumnRef;
  createdAtCol?: ColumnRef;
}

/**
 * Reads a metadata file into the builder (GraphBuilder.setPinMeta / setBoardMeta). With a
 * header, the locale/topic/created_at columns are optional: absent ones are simply not set.
 * An id not seen in any edge becomes a node of degree 0. Returns the number of records.
 */
export async function readMetadataFile(path: string, opts: MetadataFileOptions = {}, builder: GraphBuilder = new GraphBuilder()): Promise<number> {
  const kind = opts.kind ?? 'pin';
  if (kind !== 'pin' && kind !== 'board') throw new Error(`metadata kind must be 'pin' or 'board', got ${JSON.stringify(kind)}`);
  const format = opts.format ?? formatFromName(path);
  const header = format === 'jsonl' ? false : (opts.header ?? true);
  const named = format === 'jsonl' || header;
  const cols: ColumnRef[] = [
    opts.idCol ?? (named ? 'id' : 0),
    opts.localeCol ?? (named ? 'locale' : 1),
    opts.topicCol ?? (named ? 'topic' : 2),
    opts.createdAtCol ?? (named ? 'created_at' : 3),
  ];
  // With a header, only the id column is required; drop the optional names the header lacks.
  const present = header ? await headerColumns(path, format, opts.delimiter) : null;
  const wanted = cols.map((c, i) => i === 0 || present === null || typeof c === 'number' || present.includes(c));
  const readCols = cols.filter((_, i) => wanted[i]);
  const slot = cols.map((_, i) => (wanted[i] ? wanted.slice(0, i).filter(Boolean).length : -1));

  const set = kind === 'pin' ? builder.setPinMeta.bind(builder) : builder.setBoardMeta.bind(builder);
  const meta: NodeMetaInput = {};
  return forEachRecord(path, { format, header, delimiter: opts.delimiter, columns: readCols }, (v) => {
    const id = v[0];
    if (id === undefined) throw new RecordError(`missing id column ${JSON.stringify(cols[0])}`);
    if (id === '') throw new RecordError(`empty ${kind} id`);
    const locale = slot[1]! >= 0 ? v[slot[1]!] : undefined;
    const topic = slot[2]! >= 0 ? v[slot[2]!] : undefined;
    const created = slot[3]! >= 0 ? v[slot[3]!] : undefined;
    meta.locale = locale === undefined || locale === '' ? undefined : locale;
    meta.topic = topic === undefined || topic === '' ? undefined : topic;
    meta.createdAt = undefined;
    if (created !== undefined && created !== '') {
      const asNum = Number(created);
      const ms = Number.isFinite(asNum) ? asNum : Date.parse(created);
      if (!Number.isFinite(ms)) throw new RecordError(`created_at ${JSON.stringify(created)} is neither epoch milliseconds nor a date`);
      meta.createdAt = ms;
    }
    set(id, meta);
  });
}

/** Column names of a TSV/CSV file's header line. */
async function headerColumns(path: string, format: TextFormat, delimiter: string | undefined): Promise<string[]> {
  const d = delimiter ?? (format === 'csv' ? ',' : '\t');
  for await (const line of readLines(path)) {
    if (line === '') continue;
    const fields = format === 'csv' ? parseCsvRecord(line, d) : line.split(d);
    return (fields ?? []).map((f) => f.trim());
  }
  return [];
}
