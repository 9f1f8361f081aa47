import { Rng } from '../util/rng.js';
import type { Sessions } from './sessions.js';
import type { VectorColumn } from './vectors.js';

export interface Pin2VecOptions {
  dim: number;
  /** maximum context distance; each centre draws its window uniformly from 1..window (word2vec) */
  window: number;
  /** negative samples per positive pair */
  negatives: number;
  epochs: number;
  /** learning rate, decayed linearly to lr·1e-4 over training */
  lr: number;
  /** pins seen fewer times than this get no vector */
  minCount: number;
  /** frequent-pin subsampling threshold t (word2vec), 0 = off */
  subsample: number;
  seed: number;
}

export const DEFAULT_PIN2VEC: Pin2VecOptions = {
  dim: 32,
  window: 4,
  negatives: 5,
  epochs: 5,
  lr: 0.025,
  minCount: 1,
  subsample: 1e-3,
  seed: 1,
};

/** negative-sampling table size: ~100 slots per pin, between 2^16 and 2^20 */
const MAX_TABLE = 1 << 20;

/**
 * Skip-gram with negative sampling (Mikolov et al. 2013) over engagement sessions: Pinterest's
 * Pin2Vec. Each pin has an input vector (the embedding) and an output vector; for a centre pin c
 * and context pin o, σ(in_c·out_o) is pushed up and σ(in_c·out_n) down for negatives n drawn from
 * the unigram^0.75 distribution. Plain SGD over typed arrays, one thread, seeded: the same
 * sessions and seed give bit-identical vectors.
 */
export function trainPin2Vec(sessions: Sessions, numPins: number, options: Partial<Pin2VecOptions> = {}): VectorColumn {
  const o: Pin2VecOptions = { ...DEFAULT_PIN2VEC, ...options };
  validate(o, sessions, numPins);
  const dim = o.dim;
  const items = sessions.items;
  const counts = new Float64Array(numPins);
  for (let i = 0; i < items.length; i++) counts[items[i]!]!++;
  const present = new Uint8Array(numPins);
  let total = 0;
  for (let p = 0; p < numPins; p++) {
    if (counts[p]! >= o.minCount && counts[p]! > 0) {
      present[p] = 1;
      total += counts[p]!;
    }
  }
  const rng = new Rng(o.seed);
  const input = new Float32Array(numPins * dim);
  const output = new Float32Array(numPins * dim);
  for (let p = 0; p < numPins; p++) {
    if (present[p] === 0) continue;
    for (let j = 0; j < dim; j++) input[p * dim + j] = (rng.next() - 0.5) / dim;
  }
  if (total === 0) return { name: 'pin2vec', dim, vectors: input, present };

  // unigram^0.75 table for negatives
  let vocabSize = 0;
  for (let q = 0; q < numPins; q++) if (present[q]) vocabSize++;
  const TABLE_SIZE = Math.min(MAX_TABLE, Math.max(1 << 16, 1 << Math.ceil(Math.log2(vocabSize * 100))));
  const tableShift = 32 - Math.log2(TABLE_SIZE);
  const table = new Uint32Array(TABLE_SIZE);
  let z = 0;
  for (let p = 0; p < numPins; p++) if (present[p]) z += Math.pow(counts[p]!, 0.75);
  const vocab: number[] = [];
  for (let q = 0; q < numPins; q++) if (present[q]) vocab.push(q);
  let vi = 0;
  let cum = Math.pow(counts[vocab[0]!]!, 0.75) / z;
  for (let i = 0; i < TABLE_SIZE; i++) {
    table[i] = vocab[vi]!;
    if ((i + 1) / TABLE_SIZE > cum && vi < vocab.length - 1) {
      vi++;
      cum += Math.pow(counts[vocab[vi]!]!, 0.75) / z;
    }
  }
  // subsampling keep probability per pin
  const keep = new Float32Array(numPins);
  for (let q = 0; q < numPins; q++) {
    if (!present[q]) continue;
    if (o.subsample <= 0) keep[q] = 1;
    else {
      const f = counts[q]! / total;
      keep[q] = Math.min(1, (Math.sqrt(f / o.subsample) + 1) * (o.subsample / f));
    }
  }

  const grad = new Float32Array(dim);
  const kept = new Uint32Array(sessions.offsets.length > 0 ? maxLen(sessions) : 0);
  const totalWork = o.epochs * items.length;
  let done = 0;
  const minLr = o.lr * 1e-4;
  const negatives = o.negatives;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let s = 0; s + 1 < sessions.offsets.length; s++) {
      const start = sessions.offsets[s]!;
      const end = sessions.offsets[s + 1]!;
      // subsampled copy of the session
      let n = 0;
      for (let i = start; i < end; i++) {
        const it = items[i]!;
        if (present[it] && (keep[it]! >= 1 || rng.next() < keep[it]!)) kept[n++] = it;
      }
      done += end - start;
      const lr = Math.max(minLr, o.lr * (1 - done / (totalWork + 1)));
      for (let i = 0; i < n; i++) {
        const c = kept[i]!;
        const b = 1 + rng.int(o.window);
        const lo = i - b < 0 ? 0 : i - b;
        const hi = i + b >= n ? n - 1 : i + b;
        for (let j = lo; j <= hi; j++) {
          if (j === i) continue;
          const ctx = kept[j]!;
          if (ctx === c) continue;
          // word2vec's skip-gram updates the context word's input vector against the centre's output
          const inBase = ctx * dim;
          grad.fill(0);
          for (let d = 0; d <= negatives; d++) {
            let target: number;
            let label: number;
            if (d === 0) {
              target = c;
              label = 1;
            } else {
              target = table[rng.nextU32() >>> tableShift]!;
              if (target === c) continue;
              label = 0;
            }
            const outBase = target * dim;
            let dot = 0;
            for (let k = 0; k < dim; k++) dot += input[inBase + k]! * output[outBase + k]!;
            const sig = dot > 6 ? 1 : dot < -6 ? 0 : 1 / (1 + Math.exp(-dot));
            const g = (label - sig) * lr;
            for (let k = 0; k < dim; k++) {
              grad[k]! += g * output[outBase + k]!;
              output[outBase + k]! += g * input[inBase + k]!;
            }
          }
          for (let k = 0; k < dim; k++) input[inBase + k]! += grad[k]!;
        }
      }
    }
  }
  return { name: 'pin2vec', dim, vectors: input, present };
}

function maxLen(s: Sessions): number {
  let m = 0;
  for (let i = 0; i + 1 < s.offsets.length; i++) m = Math.max(m, s.offsets[i + 1]! - s.offsets[i]!);
  return m;
}

function validate(o: Pin2VecOptions, s: Sessions, numPins: number): void {
  const intAtLeast = (v: number, min: number, what: string): void => {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`pin2vec: ${what} must be an integer >= ${min}, got ${v}`);
  };
  intAtLeast(o.dim, 1, 'dim');
  intAtLeast(o.window, 1, 'window');
  intAtLeast(o.negatives, 0, 'negatives');
  intAtLeast(o.epochs, 0, 'epochs');
  intAtLeast(o.minCount, 1, 'minCount');
  intAtLeast(numPins, 0, 'numPins');
  if (!(o.lr > 0 && o.lr < 1)) throw new RangeError(`pin2vec: lr must be in (0, 1), got ${o.lr}`);
  if (!(o.subsample >= 0)) throw new RangeError(`pin2vec: subsample must be >= 0, got ${o.subsample}`);
  if (s.offsets.length === 0 || s.offsets[0] !== 0 || s.offsets[s.offsets.length - 1] !== s.items.length)
    throw new RangeError('pin2vec: sessions.offsets must start at 0 and end at items.length');
  for (let i = 0; i < s.items.length; i++) {
    if (s.items[i]! >= numPins) throw new RangeError(`pin2vec: session item ${s.items[i]} >= numPins ${numPins}`);
  }
}
