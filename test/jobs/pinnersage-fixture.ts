import type { Action, EngagementEvent, SaveRecord, Storage } from '../../src/storage/types.js';

/**
 * Two interest groups: pins a0..a9 all on boards A0..A2, pins b0..b9 all on boards B0..B2, so
 * the graph's SVD puts each group at one point and the groups far apart. Users: `ua` engages
 * with a0..a3 only, `uab` with a0..a3 and b0..b3; all before DAY0.
 */
export const DAY = 86_400_000;
export const DAY0 = Date.UTC(2026, 0, 10);
export const A = Array.from({ length: 10 }, (_, i) => `a${i}`);
export const B = Array.from({ length: 10 }, (_, i) => `b${i}`);

let n = 0;
export function event(user: string, pin: string, timestamp: number, action: Action = 'save'): EngagementEvent {
  return { eventId: `e${n++}`, user, pin, action, surface: 'homefeed', platform: 'web', position: 0, timestamp };
}

export async function seedTwoGroups(s: Storage): Promise<void> {
  const saves: SaveRecord[] = [];
  for (const [pins, boards] of [
    [A, ['A0', 'A1', 'A2']],
    [B, ['B0', 'B1', 'B2']],
  ] as const)
    for (const b of boards) for (const p of pins) saves.push({ pin: p, board: b, createdAt: 1 });
  await s.addSaves(saves);
  const evs: EngagementEvent[] = [];
  for (let i = 0; i < 4; i++) {
    evs.push(event('ua', A[i]!, DAY0 - (i + 1) * DAY));
    evs.push(event('uab', A[i]!, DAY0 - (i + 1) * DAY, 'click'));
    evs.push(event('uab', B[i]!, DAY0 - (i + 2) * DAY, 'closeup'));
  }
  evs.push(event('ua', A[5]!, DAY0 - DAY, 'impression')); // not an interest action
  evs.push(event('ua', B[9]!, DAY0 - 200 * DAY)); // outside the 90-day window
  await s.appendEvents(evs);
}
