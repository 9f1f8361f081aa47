import type { PixieOptions, PixieResult } from './pixie.js';

/** One query sent to a walk worker; bias code arrays travel as shared-memory views. */
export interface WalkRequest {
  id: number;
  pins: Uint32Array;
  weights?: Float64Array;
  options: PixieOptions;
  /**
   * Bias code arrays the pool placed in the walk kernel's shared memory, as [byte offset,
   * length]; the worker views them there (its kernel then reads them in place, no copy) and
   * they are left out of `options.bias`.
   */
  codesAt?: { pin?: [number, number]; board?: [number, number] };
}

export type WalkReply =
  | { id: number; ok: true; result: PixieResult }
  | { id: number; ok: false; name: string; message: string };
