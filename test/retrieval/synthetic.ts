import { Rng } from '../../src/util/rng.js';
import type { EngagementEvent } from '../../src/retrieval/engagements.js';
import { trainingSetFromPairs, type TrainingSet } from '../../src/retrieval/training-set.js';

/**
 * Two taste clusters: pins 0..P/2-1 and P/2..P-1; user u engages only with pins of cluster u%2,
 * drawn at random. Returns (user, pin) rows in time order.
 */
export function clusteredRows(users: number, pins: number, perUser: number, seed: number): [number, number][] {
  const rng = new Rng(seed);
  const half = pins / 2;
  const rows: [number, number][] = [];
  for (let u = 0; u < users; u++) {
    const base = (u % 2) * half;
    const chosen = new Set<number>();
    while (chosen.size < perUser) chosen.add(base + rng.int(half));
    for (const p of chosen) rows.push([u, p]);
  }
  return rows;
}

export function clusteredSet(users: number, pins: number, perUser: number, seed: number): TrainingSet {
  const rows = clusteredRows(users, pins, perUser, seed);
  return trainingSetFromPairs(
    rows.map((r) => r[0]),
    rows.map((r) => r[1]),
    users,
    pins,
  );
}

export function clusteredEvents(users: number, pins: number, perUser: number, seed: number): EngagementEvent[] {
  return clusteredRows(users, pins, perUser, seed).map(([u, p], i) => ({ user: `u${u}`, pin: `p${p}`, timestamp: i, action: 'save' }));
}
