import { z } from 'zod';
import { ACTIONS, PLATFORMS } from '../storage/types.js';

/** Request and response schemas of the HTTP API; the OpenAPI document is generated from them. */

const id = z.string().min(1).max(256);
const time = z.union([z.number().finite().min(0), z.iso.datetime({ offset: true })]);
const locale = z.string().min(1).max(35);

export const PinInput = z.strictObject({
  id,
  text: z.string().max(20_000).optional(),
  annotations: z.array(z.string().max(200)).max(200).optional(),
  locale: locale.optional(),
  created_at: time.optional(),
  embeddings: z.record(z.string().min(1).max(64), z.array(z.number().finite()).min(1).max(4096)).optional(),
});

export const BoardInput = z.strictObject({
  id,
  name: z.string().max(1000).optional(),
  locale: locale.optional(),
  created_at: time.optional(),
});

export const UserInput = z.strictObject({ id, locale: locale.optional(), created_at: time.optional() });

export const SaveInput = z.strictObject({ pin: id, board: id, user: id.optional(), created_at: time.optional() });
export const SaveRemoveInput = z.strictObject({ pin: id, board: id });

export const EventInput = z.strictObject({
  event_id: z.string().min(1).max(128),
  user: id,
  pin: id,
  action: z.enum(ACTIONS),
  surface: z.string().min(1).max(64),
  platform: z.enum(PLATFORMS).default('web'),
  position: z.number().int().min(0).max(1_000_000),
  query_pin: id.optional(),
  timestamp: time,
  request_id: z.string().min(1).max(128).optional(),
  experiment_id: z.string().min(1).max(128).optional(),
  variant: z.string().min(1).max(128).optional(),
  board: id.optional(),
});

export const MAX_CATALOGUE_BATCH = 10_000;

export const PinsBody = z.strictObject({ pins: z.array(PinInput).min(1).max(MAX_CATALOGUE_BATCH) });
export const BoardsBody = z.strictObject({ boards: z.array(BoardInput).min(1).max(MAX_CATALOGUE_BATCH) });
export const UsersBody = z.strictObject({ users: z.array(UserInput).min(1).max(MAX_CATALOGUE_BATCH) });
export const SavesBody = z.strictObject({ saves: z.array(SaveInput).min(1).max(MAX_CATALOGUE_BATCH) });
export const SavesRemoveBody = z.strictObject({ saves: z.array(SaveRemoveInput).min(1).max(MAX_CATALOGUE_BATCH) });

export function eventsBody(maxBatch: number) {
  return z.strictObject({ events: z.array(EventInput).min(1).max(maxBatch) });
}

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const RecQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'limit must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(100))
    .optional(),
  cursor: z.string().max(200).optional(),
  exclude_seen: bool.optional(),
  explain: bool.optional(),
  locale: locale.optional(),
  user: id.optional(),
  /** comma-separated pin ids to leave out */
  exclude: z.string().max(20_000).optional(),
  /** request-time rules (src/rules), one per line */
  rules: z.string().max(20_000).optional(),
});

export const IdParams = z.strictObject({ id });

export const RecItem = z.object({
  id: z.string(),
  score: z.number(),
  sources: z.array(z.string()).optional(),
  parts: z.record(z.string(), z.number()).optional(),
});

export const RecResponse = z.object({
  items: z.array(RecItem),
  next_cursor: z.string().nullable(),
  graph_version: z.number().int(),
  request_id: z.string().optional(),
  experiments: z.array(z.object({ experiment_id: z.string(), variant: z.string() })).optional(),
  unknown_pins: z.array(z.string()).optional(),
});

export const EventsResponse = z.object({ inserted: z.number().int(), duplicates: z.number().int() });
export const WriteResponse = z.object({ ok: z.literal(true), count: z.number().int(), graph_seq: z.number().int().optional() });
export const ErrorResponse = z.object({ error: z.string(), message: z.string(), field: z.string().optional() });

/** Epoch ms from a schema `time` value. */
export function toMs(t: number | string): number {
  return typeof t === 'number' ? t : Date.parse(t);
}
