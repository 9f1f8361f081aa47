/**
 * Per-pin and per-board metadata columns, used by biased walks (locale), freshness (created-at)
 * and pruning (topic). Categorical columns store a code per row; code 0 means "unknown".
 */
export interface CategoricalColumn {
  /** code per row; 0 = unknown */
  codes: Uint16Array;
  /** values[code] is the string for that code; values[0] is '' */
  values: string[];
}

export interface NodeMetadata {
  locale?: CategoricalColumn;
  topic?: CategoricalColumn;
  /** creation time in epoch milliseconds; NaN = unknown */
  createdAt?: Float64Array;
}

export interface GraphMetadata {
  pins: NodeMetadata;
  boards: NodeMetadata;
}

export function emptyMetadata(): GraphMetadata {
  return { pins: {}, boards: {} };
}

/** Builds a categorical column incrementally. */
export class CategoricalBuilder {
  private codesByValue = new Map<string, number>();
  readonly values: string[] = [''];
  private codes: Uint16Array;

  constructor(initialRows = 1024) {
    this.codes = new Uint16Array(Math.max(1, initialRows));
  }

  /** Code for a value, adding it to the dictionary if new. */
  codeOf(value: string): number {
    if (value === '') return 0;
    let c = this.codesByValue.get(value);
    if (c === undefined) {
      c = this.values.length;
      if (c > 0xffff) throw new Error('categorical column: more than 65535 distinct values');
      this.values.push(value);
      this.codesByValue.set(value, c);
    }
    return c;
  }

  set(row: number, value: string): void {
    if (row >= this.codes.length) {
      let n = this.codes.length * 2;
      while (n <= row) n *= 2;
      const grown = new Uint16Array(n);
      grown.set(this.codes);
      this.codes = grown;
    }
    this.codes[row] = this.codeOf(value);
  }

  build(rows: number): CategoricalColumn {
    const codes = new Uint16Array(rows);
    codes.set(this.codes.subarray(0, Math.min(rows, this.codes.length)));
    return { codes, values: this.values.slice() };
  }
}

/** Code of a value in a column, or 0 when the column does not contain it. */
export function lookupCode(col: CategoricalColumn | undefined, value: string): number {
  if (!col) return 0;
  const i = col.values.indexOf(value);
  return i < 0 ? 0 : i;
}

/** Value of a row, or undefined when unknown. */
export function categoricalValue(col: CategoricalColumn | undefined, row: number): string | undefined {
  if (!col) return undefined;
  const c = col.codes[row] ?? 0;
  return c === 0 ? undefined : col.values[c];
}
