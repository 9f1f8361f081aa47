/** A small LRU cache on Map insertion order. */
export class Lru<V> {
  private readonly m = new Map<string, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`cache capacity must be an integer >= 0, got ${capacity}`);
  }

  get(key: string): V | undefined {
    const v = this.m.get(key);
    if (v !== undefined) {
      this.m.delete(key);
      this.m.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    if (this.capacity === 0) return;
    this.m.delete(key);
    this.m.set(key, v);
    if (this.m.size > this.capacity) this.m.delete(this.m.keys().next().value as string);
  }

  get size(): number {
    return this.m.size;
  }

  clear(): void {
    this.m.clear();
  }
}
