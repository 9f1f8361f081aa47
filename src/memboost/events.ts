/** Engaged actions Memboost counts, in the order used by every per-action array. */
export const MEMBOOST_ACTIONS = ['click', 'longclick', 'closeup', 'save'] as const;
export type MemboostAction = (typeof MEMBOOST_ACTIONS)[number];
export const NUM_ACTIONS = MEMBOOST_ACTIONS.length;

export type EventAction = 'impression' | MemboostAction;

/**
 * One logged event, as storage feeds it. `queryPin` is the pin whose related pins were shown;
 * `position` is the 0-based slot the result pin was shown in. Pins are dense ids.
 */
export interface EngagementEvent {
  user?: number;
  pin: number;
  action: EventAction | string;
  surface: string;
  platform: string;
  position: number;
  queryPin?: number;
  timestamp: number;
}

/** Storage's spellings of the same actions, and actions Memboost ignores. */
const ALIASES: Record<string, string> = { long_click: 'longclick', closeup: 'closeup' };
const IGNORED = new Set(['hide']);
export const IGNORED_ACTION = -2;

/**
 * Index of an action in MEMBOOST_ACTIONS; -1 for impressions, IGNORED_ACTION (-2) for actions
 * Memboost does not count (hide); throws for unknown actions.
 */
export function actionIndex(action: string): number {
  if (action === 'impression') return -1;
  if (IGNORED.has(action)) return IGNORED_ACTION;
  action = ALIASES[action] ?? action;
  const i = (MEMBOOST_ACTIONS as readonly string[]).indexOf(action);
  if (i < 0) throw new Error(`memboost: unknown action ${JSON.stringify(action)} (expected impression, ${MEMBOOST_ACTIONS.join(', ')})`);
  return i;
}

export function checkEvent(e: EngagementEvent, where: string): void {
  if (!Number.isInteger(e.pin) || e.pin < 0) throw new RangeError(`${where}: pin ${e.pin} is not a dense pin id`);
  if (e.queryPin !== undefined && (!Number.isInteger(e.queryPin) || e.queryPin < 0))
    throw new RangeError(`${where}: queryPin ${e.queryPin} is not a dense pin id`);
  if (!Number.isInteger(e.position) || e.position < 0) throw new RangeError(`${where}: position ${e.position} must be an integer >= 0`);
  if (typeof e.platform !== 'string' || e.platform === '') throw new TypeError(`${where}: platform must be a non-empty string`);
}
