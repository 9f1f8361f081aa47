/**
 * What was already served for a paginated request, so page N+1 never repeats pages 1..N even
 * when scores change between calls. Async so a shared store (Redis) can implement it too.
 */
export interface ServedSetStore<K = number> {
  /** pins served so far for the request id (empty when unknown or expired) */
  get(requestId: string): Promise<ReadonlySet<K>>;
  /** records more served pins and refreshes the entry's time to live */
  add(requestId: string, pins: Iterable<K>): Promise<void>;
  delete(requestId: string): Promise<void>;
}

export interface MemoryServedSetOptions {
  /** most request ids kept; the least recently used go first (default 10,000) */
  maxEntries?: number;
  /** an entry not written for this long is forgotten (default 30 min) */
  ttlMs?: number;
  /** most pins remembered per request (default 10,000); later ones are refused */
  maxPinsPerEntry?: number;
  /** clock, for tests */
  now?: () => number;
}

interface Entry<K> {
  pins: Set<K>;
  touched: number;
}

/** In-process LRU with time to live. A Map keeps insertion order, so re-inserting marks recency. */
export class MemoryServedSetStore<K = number> implements ServedSetStore<K> {
  private readonly map = new Map<string, Entry<K>>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly maxPins: number;
  private readonly now: () => number;

  constructor(opts: MemoryServedSetOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.ttlMs = opts.ttlMs ?? 30 * 60_000;
    this.maxPins = opts.maxPinsPerEntry ?? 10_000;
    this.now = opts.now ?? Date.now;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError(`maxEntries must be an integer >= 1, got ${this.maxEntries}`);
    if (!(this.ttlMs > 0)) throw new RangeError(`ttlMs must be > 0, got ${this.ttlMs}`);
    if (!Number.isInteger(this.maxPins) || this.maxPins < 1) throw new RangeError(`maxPinsPerEntry must be an integer >= 1, got ${this.maxPins}`);
  }

  get size(): number {
    return this.map.size;
  }

  private live(requestId: string): Entry<K> | undefined {
    const e = this.map.get(requestId);
    if (!e) return undefined;
    if (this.now() - e.touched >= this.ttlMs) {
      this.map.delete(requestId);
      return undefined;
    }
    return e;
  }

  async get(requestId: string): Promise<ReadonlySet<K>> {
    const e = this.live(requestId);
    if (!e) return new Set();
    this.map.delete(requestId);
    this.map.set(requestId, e);
    return e.pins;
  }

  async add(requestId: string, pins: Iterable<K>): Promise<void> {
    let e = this.live(requestId);
    if (e) this.map.delete(requestId);
    else e = { pins: new Set(), touched: 0 };
    for (const p of pins) {
      if (e.pins.size >= this.maxPins && !e.pins.has(p)) throw new RangeError(`request ${requestId}: more than ${this.maxPins} pins served`);
      e.pins.add(p);
    }
    e.touched = this.now();
    this.map.set(requestId, e);
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value as string);
  }

  async delete(requestId: string): Promise<void> {
    this.map.delete(requestId);
  }
}

/**
 * The next page of a ranked list: the first `size` items not served before for this request,
 * which are then recorded as served. `hasMore` says whether unserved items remain.
 */
export async function nextPage<T, K = number>(
  store: ServedSetStore<K>,
  requestId: string,
  ranked: readonly T[],
  size: number,
  key: (item: T) => K,
): Promise<{ items: T[]; hasMore: boolean }> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`page size must be an integer >= 1, got ${size}`);
  const served = await store.get(requestId);
  const items: T[] = [];
  const taken = new Set<K>();
  let hasMore = false;
  for (const it of ranked) {
    const k = key(it);
    if (served.has(k) || taken.has(k)) continue;
    if (items.length === size) {
      hasMore = true;
      break;
    }
    items.push(it);
    taken.add(k);
  }
  await store.add(requestId, taken);
  return { items, hasMore };
}
