import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PinBoardGraph } from '../graph/graph.js';
import { resolvePixieOptions, type PixieOptions, type PixieResult } from './pixie.js';
import type { WalkReply, WalkRequest } from './pool-protocol.js';
import { shareGraph, toShared } from './shared-graph.js';
import { WalkMemory } from './walk-memory.js';

export interface WalkPoolOptions {
  /** worker threads (default: available cores − 1, at least 1) */
  threads?: number;
}

export interface PoolQuery {
  pins: ArrayLike<number>;
  weights?: ArrayLike<number>;
  options?: Partial<PixieOptions>;
}

interface Pending {
  req: WalkRequest;
  resolve: (r: PixieResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Pending | null;
}

/**
 * Pixie walks on worker threads for batch queries. The graph's arrays are moved into shared
 * memory once and every worker walks the same copy. Each query runs whole on one worker with
 * the same code as `PixieWalker`, so a result equals the single-thread one for the same seed.
 */
export class WalkPool {
  readonly threads: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly sharedCodes = new WeakMap<Uint16Array, Uint16Array>();
  private nextId = 1;
  private closed = false;
  private failure: Error | null = null;

  constructor(
    readonly graph: PinBoardGraph,
    options: WalkPoolOptions = {},
  ) {
    const threads = options.threads ?? Math.max(1, availableParallelism() - 1);
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be an integer >= 1, got ${threads}`);
    this.threads = threads;
    const data = shareGraph(graph);
    const { url, execArgv } = workerEntry();
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(url, { workerData: data, execArgv });
      const slot: Slot = { worker, job: null };
      worker.on('message', (reply: WalkReply) => this.onReply(slot, reply));
      worker.on('error', (err: Error) => this.fail(new Error(`walk worker failed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`walk worker exited with code ${code}`));
      });
      worker.unref(); // an idle pool must not keep the process alive
      this.slots.push(slot);
    }
  }

  /** Same as `new PixieWalker(graph).query(...)`, run on a worker. Bad input rejects at once. */
  query(pins: ArrayLike<number>, weights?: ArrayLike<number>, options: Partial<PixieOptions> = {}): Promise<PixieResult> {
    try {
      if (this.closed) throw new Error('WalkPool is closed');
      if (this.failure) throw this.failure;
      const o = resolvePixieOptions(this.graph, pins, weights, options);
      const req: WalkRequest = {
        id: this.nextId++,
        pins: Uint32Array.from(pins),
        weights: weights ? Float64Array.from(weights) : undefined,
        options: o,
      };
      if (o.bias) {
        const bias = (o.bias = { ...o.bias });
        // into the walk kernel's shared memory once per array, where every worker's kernel reads
        // it; else (no WebAssembly) a SharedArrayBuffer copy, also made once
        const wm = WalkMemory.of(this.graph);
        const at = (codes: Uint16Array): [number, number] | undefined => {
          const off = wm ? wm.codesAt(codes) : -1;
          return off >= 0 ? [off, codes.length] : undefined;
        };
        const pin = bias.pinCodes && at(bias.pinCodes);
        const board = bias.boardCodes && at(bias.boardCodes);
        if (pin || board) req.codesAt = {};
        if (pin) [req.codesAt!.pin, bias.pinCodes] = [pin, undefined];
        else if (bias.pinCodes) bias.pinCodes = this.shared(bias.pinCodes);
        if (board) [req.codesAt!.board, bias.boardCodes] = [board, undefined];
        else if (bias.boardCodes) bias.boardCodes = this.shared(bias.boardCodes);
      }
      return new Promise<PixieResult>((resolve, reject) => {
        this.queue.push({ req, resolve, reject });
        this.pump();
      });
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Runs many queries across the workers; results in input order. */
  queryMany(queries: readonly PoolQuery[]): Promise<PixieResult[]> {
    return Promise.all(queries.map((q) => this.query(q.pins, q.weights, q.options)));
  }

  /** Stops the workers; queries still waiting are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error('WalkPool closed');
    for (const p of this.queue.splice(0)) p.reject(err);
    for (const s of this.slots) {
      s.job?.reject(err);
      s.job = null;
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** Bias code arrays are posted as shared views, copied into shared memory once per array. */
  private shared(codes: Uint16Array): Uint16Array {
    let s = this.sharedCodes.get(codes);
    if (!s) {
      s = toShared(codes);
      this.sharedCodes.set(codes, s);
    }
    return s;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage(job.req);
    }
  }

  private onReply(slot: Slot, reply: WalkReply): void {
    const job = slot.job;
    slot.job = null;
    slot.worker.unref();
    if (job && job.req.id === reply.id) {
      if (reply.ok) job.resolve(reply.result);
      else {
        const err = reply.name === 'RangeError' ? new RangeError(reply.message) : new Error(reply.message);
        job.reject(err);
      }
    }
    this.pump();
  }

  private fail(err: Error): void {
    if (this.failure || this.closed) return;
    this.failure = err;
    for (const p of this.queue.splice(0)) p.reject(err);
    for (const s of this.slots) {
      s.job?.reject(err);
      s.job = null;
    }
  }
}

/**
 * The worker's entry file. From compiled dist/ it is the .js beside this file; when the
 * TypeScript source runs directly (vitest, tsx) it is a bootstrap that loads the .ts via tsx.
 */
function workerEntry(): { url: URL; execArgv: string[] } {
  const here = import.meta.url;
  // Workers do not inherit a parent's `--import tsx` hooks on Node 20, so a small .mjs bootstrap
  // registers tsx itself. Explicit empty execArgv keeps test-runner flags out of the workers.
  if (here.endsWith('.ts')) return { url: new URL('./pool-worker-tsx.mjs', here), execArgv: [] };
  return { url: new URL('./pool-worker.js', here), execArgv: [] };
}
