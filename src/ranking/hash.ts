import { hashSeed } from '../util/rng.js';

/**
 * Uniform value in [0, 1) from a string and a salt. FNV-1a alone leaves its high bits poorly
 * mixed for ids that differ only in the last characters (req-1, req-2, ...), which skews
 * threshold tests; the murmur3 finaliser spreads every input bit over the output.
 */
export function unitHash(text: string, salt: number): number {
  let h = hashSeed(text, (0x811c9dc5 ^ salt) >>> 0);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
