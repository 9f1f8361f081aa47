import type { PixieOptions, PixieResult } from './pixie.js';

/** One query sent to a walk worker; bias code arrays travel as shared-memory views. */
export interface WalkRequest {
  id: number;
  pins: Uint32Array;
  weights?: Float64Array;
  options: PixieOptions;
}

export type WalkReply =
  | { id: number; ok: true; result: PixieResult }
  | { id: number; ok: false; name: string; message: string };
