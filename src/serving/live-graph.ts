import type { PinBoardGraph } from '../graph/graph.js';
import { buildGraphFromStorage } from '../jobs/graph-rebuild.js';
import type { Storage } from '../storage/types.js';
import { applyDelta, type NodeNote } from './graph-delta.js';

/** An immutable graph generation. Readers keep the object they got; a swap never mutates it. */
export interface GraphSnapshot {
  readonly graph: PinBoardGraph;
  /** every save change with seq <= this is in the graph */
  readonly seq: number;
  /** node notes with id <= this are in the graph */
  readonly noteId: number;
  /** grows by one per swap */
  readonly version: number;
  readonly builtAt: number;
}

export interface SwapInfo {
  kind: 'merge' | 'full';
  version: number;
  ms: number;
  changes: number;
}

/**
 * The live graph: the current CSR snapshot plus the path for updates. Writes land in storage
 * first; `refresh()` then pulls the save changes since the snapshot's seq (and pending node
 * notes) and swaps in a merged graph; `rebuild()` builds from storage in the background and
 * swaps too. Every swap is one reference assignment, and all swaps run one at a time.
 */
export class LiveGraph {
  private snap: GraphSnapshot;
  private notes: { id: number; note: NodeNote }[] = [];
  private nextNoteId = 1;
  private chain: Promise<unknown> = Promise.resolve();
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private poller: NodeJS.Timeout | null = null;
  private fullInFlight = 0;
  onSwap: ((info: SwapInfo) => void) | null = null;
  /** how long the last merge took (ms); merges on big graphs are spaced out by it */
  lastMergeMs = 0;

  private constructor(
    private readonly storage: Storage,
    first: GraphSnapshot,
    private readonly mergeDelayMs: number,
  ) {
    this.snap = first;
  }

  /** Loads the graph from storage (startup and recovery). */
  static async open(storage: Storage, opts: { mergeDelayMs?: number; pollIntervalMs?: number } = {}): Promise<LiveGraph> {
    const built = await buildGraphFromStorage(storage);
    const first: GraphSnapshot = { graph: built.graph, seq: built.seq, noteId: 0, version: 1, builtAt: Date.now() };
    const lg = new LiveGraph(storage, first, opts.mergeDelayMs ?? 50);
    await lg.refresh(); // changes committed during the build
    if (opts.pollIntervalMs && opts.pollIntervalMs > 0) lg.startPolling(opts.pollIntervalMs);
    return lg;
  }

  /**
   * Checks storage for saves written by other processes (cluster workers, other instances)
   * every `ms` and merges them in.
   */
  private startPolling(ms: number): void {
    let busy = false;
    this.poller = setInterval(() => {
      if (busy) return;
      busy = true;
      this.storage
        .maxSaveSeq()
        .then((seq) => (seq > this.snap.seq ? this.refresh() : undefined))
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    }, ms);
    this.poller.unref();
  }

  get current(): GraphSnapshot {
    return this.snap;
  }

  get graph(): PinBoardGraph {
    return this.snap.graph;
  }

  /** True when writes happened that the current snapshot may not hold yet. */
  get isDirty(): boolean {
    return this.dirty;
  }

  /** Notes catalogue nodes (new pins/boards or their locale/created-at) for the next merge. */
  note(notes: NodeNote[]): void {
    for (const n of notes) this.notes.push({ id: this.nextNoteId++, note: n });
    this.markDirty();
  }

  /** Says that saves were written to storage; a merge follows after `mergeDelayMs`. */
  markDirty(): void {
    this.dirty = true;
    if (this.timer === null && this.mergeDelayMs >= 0) {
      // a merge is O(edges): on a big graph, keep merging to at most ~20% of the time
      const delay = Math.max(this.mergeDelayMs, 4 * this.lastMergeMs);
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.refresh().catch(() => undefined);
      }, delay);
      this.timer.unref();
    }
  }

  /** Runs `fn` after every earlier swap step has finished. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Pulls changes since the snapshot and swaps in the merged graph (no-op when none). */
  refresh(): Promise<GraphSnapshot> {
    return this.serial(async () => {
      this.dirty = false;
      const t0 = performance.now();
      const cur = this.snap;
      const changes = await this.storage.saveChangesSince(cur.seq);
      const notes = this.pendingNotes(cur.noteId);
      if (changes.length === 0 && notes.length === 0) return cur;
      this.install(cur.graph, changes.length ? changes[changes.length - 1]!.seq : cur.seq, notes, changes, 'merge', t0);
      this.pruneNotes();
      return this.snap;
    });
  }

  /** Rebuilds from storage and swaps; changes committed meanwhile are applied on top. */
  async rebuild(): Promise<GraphSnapshot> {
    this.fullInFlight++;
    const noteMark = this.nextNoteId - 1;
    try {
      const t0 = performance.now();
      const built = await buildGraphFromStorage(this.storage);
      return await this.serial(async () => {
        const changes = await this.storage.saveChangesSince(built.seq);
        // notes after the build began may be missing from what it read
        const notes = this.pendingNotes(Math.min(noteMark, this.snap.noteId));
        const seq = changes.length ? changes[changes.length - 1]!.seq : built.seq;
        this.install(built.graph, Math.max(seq, built.seq), notes, changes, 'full', t0);
        return this.snap;
      });
    } finally {
      this.fullInFlight--;
      this.pruneNotes();
    }
  }

  private pendingNotes(after: number): NodeNote[] {
    const out: NodeNote[] = [];
    for (const n of this.notes) if (n.id > after) out.push(n.note);
    return out;
  }

  private pruneNotes(): void {
    if (this.fullInFlight > 0) return;
    const done = this.snap.noteId;
    this.notes = this.notes.filter((n) => n.id > done);
  }

  private install(
    base: PinBoardGraph,
    seq: number,
    notes: NodeNote[],
    changes: { op: 'add' | 'remove'; pin: string; board: string }[],
    kind: 'merge' | 'full',
    t0: number,
  ): void {
    const t1 = performance.now();
    const graph = applyDelta(base, changes, notes);
    if (kind === 'merge') this.lastMergeMs = performance.now() - t1;
    const next: GraphSnapshot = {
      graph,
      seq,
      noteId: this.nextNoteId - 1,
      version: this.snap.version + 1,
      builtAt: Date.now(),
    };
    this.snap = next; // the atomic swap
    this.onSwap?.({ kind, version: next.version, ms: performance.now() - t0, changes: changes.length });
  }

  /** Waits for any queued swap work and stops the merge timer. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.poller) clearInterval(this.poller);
    this.timer = null;
    this.poller = null;
    await this.chain;
  }
}
