import { ACTIONS, PLATFORMS, type Action, type EngagementEvent, type Platform } from '../storage/types.js';

const ACTION_SET = new Set<string>(ACTIONS);
const PLATFORM_SET = new Set<string>(PLATFORMS);
const KEYS = new Set([
  'event_id', 'user', 'pin', 'action', 'surface', 'platform', 'position', 'query_pin', 'timestamp',
  'request_id', 'experiment_id', 'variant', 'board',
]);

const str = (v: unknown, max: number): v is string => typeof v === 'string' && v.length >= 1 && v.length <= max;
const optStr = (v: unknown, max: number): boolean => v === undefined || str(v, max);

/**
 * The fast path of event validation: accepts only bodies the zod schema (schemas.ts EventInput)
 * also accepts, with numeric timestamps, and converts them in one pass. Anything else returns
 * null and goes through zod, which gives the error message. A property test checks that
 * whatever this accepts, zod accepts with the same result.
 */
export function fastEvents(body: unknown, maxBatch: number): EngagementEvent[] | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  for (const k in body) if (k !== 'events') return null;
  const events = (body as { events?: unknown }).events;
  if (!Array.isArray(events) || events.length < 1 || events.length > maxBatch) return null;
  const out: EngagementEvent[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return null;
    for (const k in e) if (!KEYS.has(k)) return null;
    const { event_id, user, pin, action, surface, platform, position, query_pin, timestamp, request_id, experiment_id, variant, board } = e;
    if (!str(event_id, 128) || !str(user, 256) || !str(pin, 256) || !str(surface, 64)) return null;
    if (typeof action !== 'string' || !ACTION_SET.has(action)) return null;
    if (platform !== undefined && (typeof platform !== 'string' || !PLATFORM_SET.has(platform))) return null;
    if (typeof position !== 'number' || !Number.isInteger(position) || position < 0 || position > 1_000_000) return null;
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0) return null;
    if (!optStr(query_pin, 256) || !optStr(request_id, 128) || !optStr(experiment_id, 128) || !optStr(variant, 128) || !optStr(board, 256)) return null;
    const x: EngagementEvent = {
      eventId: event_id,
      user,
      pin,
      action: action as Action,
      surface,
      platform: (platform ?? 'web') as Platform,
      position,
      timestamp,
    };
    if (query_pin !== undefined) x.queryPin = query_pin as string;
    if (request_id !== undefined) x.requestId = request_id as string;
    if (experiment_id !== undefined) x.experimentId = experiment_id as string;
    if (variant !== undefined) x.variant = variant as string;
    if (board !== undefined) x.board = board as string;
    out[i] = x;
  }
  return out;
}
