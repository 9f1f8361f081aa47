import type { Action, EngagementEvent, Platform, RecentAction } from './types.js';

/** An events row as both SQL back ends return it (snake_case columns). */
export interface EventRow {
  event_id: string;
  user_id: string;
  pin_id: string;
  action: string;
  surface: string;
  platform: string;
  position: number;
  query_pin: string | null;
  ts: number;
  request_id: string | null;
  experiment_id: string | null;
  variant: string | null;
  board_id: string | null;
}

export function rowToEvent(r: EventRow): EngagementEvent {
  const e: EngagementEvent = {
    eventId: r.event_id,
    user: r.user_id,
    pin: r.pin_id,
    action: r.action as Action,
    surface: r.surface,
    platform: r.platform as Platform,
    position: Number(r.position),
    timestamp: Number(r.ts),
  };
  if (r.query_pin !== null) e.queryPin = r.query_pin;
  if (r.request_id !== null) e.requestId = r.request_id;
  if (r.experiment_id !== null) e.experimentId = r.experiment_id;
  if (r.variant !== null) e.variant = r.variant;
  if (r.board_id !== null) e.board = r.board_id;
  return e;
}

/**
 * Merges a user's recent events with their saves made outside events, newest first. A save
 * that also arrived as a save event is kept once.
 */
export function mergeRecent(events: RecentAction[], saves: RecentAction[], limit: number): RecentAction[] {
  const savedByEvent = new Set<string>();
  for (const e of events) if (e.action === 'save') savedByEvent.add(e.pin);
  const out = events.slice();
  for (const s of saves) if (!savedByEvent.has(s.pin)) out.push(s);
  out.sort((a, b) => b.timestamp - a.timestamp);
  return out.length > limit ? out.slice(0, limit) : out;
}
