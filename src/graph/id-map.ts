/**
 * Maps external ids (strings, or numbers written as strings) to dense ids 0..n-1 and back.
 *
 * When every external id is the decimal string of its own dense id (the generated graphs and
 * the evaluation sets), the map is "identity" and stores nothing, which keeps memory per edge low.
 * A renumbered identity map (graph/reorder.ts) is "permuted": two Uint32Arrays (8 bytes a node)
 * instead of a string per node.
 */
export class IdMap {
  private ids: string[] | null;
  private index: Map<string, number> | null;
  private identitySize: number;
  /** permuted mode: external number of each dense id, and its inverse */
  private extOf: Uint32Array | null = null;
  private denseOf: Uint32Array | null = null;

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

  /**
   * A map whose dense id d has external id String(externalOf[d]); externalOf must be a
   * permutation of 0..n-1 (checked). Kept as typed arrays, not strings.
   */
  static permuted(externalOf: Uint32Array): IdMap {
    const n = externalOf.length;
    const denseOf = new Uint32Array(n).fill(0xffffffff);
    for (let d = 0; d < n; d++) {
      const e = externalOf[d]!;
      if (e >= n) throw new RangeError(`IdMap.permuted: external id ${e} at ${d} is >= size ${n}`);
      if (denseOf[e] !== 0xffffffff) throw new Error(`IdMap.permuted: external id ${e} appears twice`);
      denseOf[e] = d;
    }
    let isIdentity = true;
    for (let d = 0; d < n && isIdentity; d++) isIdentity = externalOf[d] === d;
    const m = new IdMap(null, n);
    if (!isIdentity) {
      m.extOf = externalOf;
      m.denseOf = denseOf;
    }
    return m;
  }

  /** Permuted mode only: external number per dense id (a view; do not modify), else null. */
  get permutation(): Uint32Array | null {
    return this.extOf;
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
    return this.ids === null && this.extOf === null;
  }

  /** Dense id for an external id, or -1 when unknown. */
  get(external: string | number): number {
    if (this.ids === null) {
      const s = typeof external === 'number' ? external : Number(external);
      if (!Number.isInteger(s) || s < 0 || s >= this.identitySize) return -1;
      if (typeof external === 'string' && String(s) !== external) return -1;
      return this.denseOf ? this.denseOf[s]! : s;
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
      return String(this.extOf ? this.extOf[dense]! : dense);
    }
    const v = this.ids[dense];
    if (v === undefined) throw new RangeError(`dense id ${dense} out of range`);
    return v;
  }

  /** All external ids in dense order (materialised for identity maps). */
  toArray(): string[] {
    if (this.ids) return this.ids.slice();
    const e = this.extOf;
    if (e) return Array.from(e, (x) => String(x));
    return Array.from({ length: this.identitySize }, (_, i) => String(i));
  }

  /** Approximate heap bytes held by the map. */
  byteSize(): number {
    if (this.ids === null) return this.extOf ? this.extOf.byteLength + this.denseOf!.byteLength : 0;
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
