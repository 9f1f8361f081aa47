/** Sessions as CSR: offsets[s]..offsets[s+1] indexes items, the pins of session s in time order. */
export interface Sessions {
  offsets: Uint32Array;
  items: Uint32Array;
}

/**
 * Splits engagement into sessions: events are grouped per user, ordered by time, and a new
 * session starts whenever the gap to the user's previous event exceeds `gapMs`. Sessions with
 * fewer than `minLength` pins are dropped (they carry no co-occurrence). Stable on ties.
 */
export function splitSessions(
  users: ArrayLike<number>,
  pins: ArrayLike<number>,
  timestamps: ArrayLike<number>,
  gapMs: number,
  minLength = 2,
): Sessions {
  const n = users.length;
  if (pins.length !== n || timestamps.length !== n)
    throw new RangeError(`sessions: users (${n}), pins (${pins.length}) and timestamps (${timestamps.length}) must have the same length`);
  if (!(gapMs > 0)) throw new RangeError(`sessions: gapMs must be > 0, got ${gapMs}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(timestamps[i]!)) throw new RangeError(`sessions: event ${i} has timestamp ${timestamps[i]}`);
    const p = pins[i]!;
    if (!Number.isInteger(p) || p < 0) throw new RangeError(`sessions: event ${i} has pin ${p}, expected a dense id >= 0`);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const idx = Array.from(order).sort((a, b) => users[a]! - users[b]! || timestamps[a]! - timestamps[b]! || a - b);
  const offsets: number[] = [0];
  const items = new Uint32Array(n);
  let w = 0;
  let start = 0;
  const close = (): void => {
    if (w - start >= minLength) {
      offsets.push(w);
      start = w;
    } else w = start;
  };
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    if (k > 0) {
      const prev = idx[k - 1]!;
      if (users[prev] !== users[i] || timestamps[i]! - timestamps[prev]! > gapMs) close();
    }
    items[w++] = pins[i]!;
  }
  if (n > 0) close();
  return { offsets: Uint32Array.from(offsets), items: items.slice(0, w) };
}
