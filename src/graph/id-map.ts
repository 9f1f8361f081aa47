/**
 * Maps external ids (strings, or numbers written as strings) to dense ids 0..n-1 and back.
 *
 * When every external id is the decimal string of its own dense id (the generated graphs and
 * the evaluation sets), the map is "identity" and stores nothing, which keeps memory per edge low.
 */
export class IdMap {
  private ids: string[] | null;
  private index: Map<string, number> | null;
  private identitySize: number;

  private constructor(ids: string[] | null, identitySize: number) {
    this.ids = ids;
    this.identitySize = identitySize;
    this.index = null;
    if (ids) {
      this.index = new Map();
      for (let i = 0; i < ids.length; i++) this.index.set(ids[i]!, i);
    }
  }

  static identity(n: number): IdMap {
    return new IdMap(null, n);
  }

  static fromIds(ids: string[]): IdMap {
    let isIdentity = true;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] !== String(i)) {
        isIdentity = false;
        break;
      }
    }
    if (isIdentity) return new IdMap(null, ids.length);
    const m = new IdMap(ids.slice(), 0);
    if (m.index!.size !== ids.length) throw new Error('IdMap: duplicate external ids');
    return m;
  }

  get size(): number {
    return this.ids ? this.ids.length : this.identitySize;
  }

  get isIdentity(): boolean {
    return this.ids === null;
  }

  /** Dense id for an external id, or -1 when unknown. */
  get(external: string | number): number {
    if (this.ids === null) {
      const s = typeof external === 'number' ? external : Number(external);
      if (!Number.isInteger(s) || s < 0 || s >= this.identitySize) return -1;
      if (typeof external === 'string' && String(s) !== external) return -1;
      return s;
    }
    const v = this.index!.get(String(external));
    return v === undefined ? -1 : v;
  }

  /** Dense id, or throws an error naming the unknown id. */
  require(external: string | number, kind = 'id'): number {
    const v = this.get(external);
    if (v < 0) throw new UnknownIdError(kind, String(external));
    return v;
  }

  /** External id for a dense id. */
  external(dense: number): string {
    if (this.ids === null) {
      if (dense < 0 || dense >= this.identitySize) throw new RangeError(`dense id ${dense} out of range`);
      return String(dense);
    }
    const v = this.ids[dense];
    if (v === undefined) throw new RangeError(`dense id ${dense} out of range`);
    return v;
  }

  /** All external ids in dense order (materialised for identity maps). */
  toArray(): string[] {
    if (this.ids) return this.ids.slice();
    return Array.from({ length: this.identitySize }, (_, i) => String(i));
  }

  /** Approximate heap bytes held by the map. */
  byteSize(): number {
    if (this.ids === null) return 0;
    let b = 0;
    for (const s of this.ids) b += 16 + s.length * 2 + 40; // string + map entry overhead (estimate)
    return b;
  }
}

export class UnknownIdError extends Error {
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(`unknown ${kind}: ${JSON.stringify(id)}`);
    this.name = 'UnknownIdError';
  }
}
