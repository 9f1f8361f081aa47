import { z } from 'zod';
import { ACTIONS, PLATFORMS, type BoardRecord, type EngagementEvent, type PinRecord, type SaveRecord, type Storage } from '../storage/types.js';

/** What bulk import/export moves: one JSON object per line, fields as in src/storage/types.ts. */
export const BULK_KINDS = ['pins', 'boards', 'saves', 'events'] as const;
export type BulkKind = (typeof BULK_KINDS)[number];

export function checkKind(kind: string): BulkKind {
  if (!(BULK_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown kind "${kind}" (expected ${BULK_KINDS.join(', ')})`);
  return kind as BulkKind;
}

const id = z.string().min(1, 'must be a non-empty string');
const time = z.number().finite().nonnegative();

const PinRow = z.strictObject({
  id,
  text: z.string().optional(),
  annotations: z.array(z.string()).optional(),
  locale: z.string().min(1).optional(),
  createdAt: time.optional(),
  embeddings: z.record(z.string(), z.array(z.number().finite())).optional(),
});
const BoardRow = z.strictObject({ id, name: z.string().optional(), locale: z.string().min(1).optional(), createdAt: time.optional() });
const SaveRow = z.strictObject({ pin: id, board: id, user: id.optional(), createdAt: time });
const EventRow = z.strictObject({
  eventId: id,
  user: id,
  pin: id,
  action: z.enum(ACTIONS),
  surface: z.string().min(1),
  platform: z.enum(PLATFORMS),
  position: z.number().int().nonnegative(),
  queryPin: id.optional(),
  timestamp: time,
  requestId: z.string().min(1).optional(),
  experimentId: z.string().min(1).optional(),
  variant: z.string().min(1).optional(),
  board: id.optional(),
});

export type BulkRecord = PinRecord | BoardRecord | SaveRecord | EngagementEvent;

const SCHEMAS: Record<BulkKind, z.ZodType<BulkRecord>> = { pins: PinRow, boards: BoardRow, saves: SaveRow, events: EventRow };

/** Validates one parsed row; the error names the field ("action: Invalid option ..."). */
export function validateRow(kind: BulkKind, raw: unknown): BulkRecord {
  const r = SCHEMAS[kind].safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`);
  }
  return r.data;
}

export interface WriteResult {
  /** rows that changed storage (events: newly inserted; others: rows sent) */
  written: number;
  /** events already stored (ignored by id) */
  duplicates: number;
}

/** One batched, idempotent write: upserts for pins/boards, set semantics for saves, event ids for events. */
export async function writeBatch(storage: Storage, kind: BulkKind, rows: BulkRecord[]): Promise<WriteResult> {
  if (rows.length === 0) return { written: 0, duplicates: 0 };
  switch (kind) {
    case 'pins':
      await storage.upsertPins(rows as PinRecord[]);
      return { written: rows.length, duplicates: 0 };
    case 'boards':
      await storage.upsertBoards(rows as BoardRecord[]);
      return { written: rows.length, duplicates: 0 };
    case 'saves':
      await storage.addSaves(rows as SaveRecord[]);
      return { written: rows.length, duplicates: 0 };
    case 'events': {
      const r = await storage.appendEvents(rows as EngagementEvent[]);
      return { written: r.inserted, duplicates: r.duplicates };
    }
  }
}

/** Everything of a kind in storage, in batches (events optionally in a time range). */
export function readBatches(storage: Storage, kind: BulkKind, opts: { batchSize?: number; from?: number; to?: number } = {}): AsyncIterable<BulkRecord[]> {
  switch (kind) {
    case 'pins':
      return storage.listPins(opts.batchSize);
    case 'boards':
      return storage.listBoards(opts.batchSize);
    case 'saves':
      return storage.listSaves({ batchSize: opts.batchSize });
    case 'events':
      return storage.iterateEvents({ from: opts.from, to: opts.to, batchSize: opts.batchSize });
  }
}
