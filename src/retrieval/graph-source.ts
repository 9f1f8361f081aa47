/**
 * The serving side of the two-tower model inside the service: maps between the model's pin
 * labels and external pin ids (so any graph generation can use it), feeds the towers content
 * features encoded with the serving model's own spec, and embeds new pins online from their
 * content through the pin tower (no engagement, no rebuild).
 *
 * The requesting user's profile reaches the generator through `withUser` (an async context):
 * candidate generators are synchronous and their request carries no user record.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Candidate, CandidateGenerator, CandidateRequest } from '../candidates/types.js';
import type { PinContent, UserContent } from '../features/two-tower.js';
import { TwoTowerCandidateSource } from './candidate-source.js';
import type { RetrievalService } from './service.js';

/** The graph's pin id maps, as far as this needs them. */
export interface PinIdSpace {
  pins: { get(external: string): number; external(dense: number): string };
}

export class ServingTwoTower {
  /** external id per model label: the model's pins, then pins added online */
  private readonly labels: string[];
  private readonly byId = new Map<string, number>();
  private readonly content = new Map<string, PinContent & { id: string }>();
  private readonly users = new AsyncLocalStorage<UserContent | undefined>();
  /** pins embedded online from content */
  added = 0;

  constructor(
    readonly service: RetrievalService,
    contents: Iterable<PinContent & { id: string }> = [],
  ) {
    const b = service.current;
    const n = b.model.config.numPins;
    this.labels = b.pinIds ? [...b.pinIds] : Array.from({ length: n }, (_, i) => String(i));
    for (let i = 0; i < this.labels.length; i++) this.byId.set(this.labels[i]!, i);
    for (const c of contents) this.content.set(c.id, c);
    // pins stored since this version was trained get their content embeddings now
    for (const c of this.content.values()) if (!this.byId.has(c.id)) this.embed(c);
  }

  /** How many of a user's newest actions the serving model's profile features count (0 = none). */
  get userWindow(): number {
    const e = this.service.encoder;
    return e && e.userWidth > 0 ? e.spec.user.activityWindow : 0;
  }

  /** Whether the serving model reads pin content (and so can embed pins it was not trained on). */
  get readsContent(): boolean {
    const e = this.service.encoder;
    return !!e && e.pinWidth > 0;
  }

  /** The model label of an external pin id, or -1. */
  label(id: string): number {
    return this.byId.get(id) ?? -1;
  }

  /** The external id of a model label. */
  externalId(label: number): string | undefined {
    return this.labels[label];
  }

  /**
   * New or changed pin records (POST /v1/pins): kept for the user tower's history features, and
   * pins the model has no id embedding for are embedded from content and added to the index.
   */
  upsert(pins: Iterable<PinContent & { id: string }>): number {
    let n = 0;
    for (const p of pins) {
      const merged = { ...this.content.get(p.id), ...p };
      this.content.set(p.id, merged);
      const l = this.byId.get(p.id);
      if (l === undefined || l >= this.service.current.model.config.numPins) {
        if (this.embed(merged)) n++;
      }
    }
    return n;
  }

  private embed(c: PinContent & { id: string }): boolean {
    if (!this.readsContent) return false;
    let l = this.byId.get(c.id);
    const fresh = l === undefined;
    if (l === undefined) l = this.labels.length;
    if (!this.service.addPinContent(l, c)) return false;
    if (fresh) {
      this.labels.push(c.id);
      this.byId.set(c.id, l);
      this.added++;
    }
    return true;
  }

  /** The stored content of a model label (model pins and pins added online). */
  contentOf(label: number): PinContent | undefined {
    const id = this.labels[label];
    return id === undefined ? undefined : this.content.get(id);
  }

  /** Pin-tower embeddings of the model's pins (numPins x dim), each with its content features. */
  pinEmbeddings(): Float32Array {
    const model = this.service.current.model;
    const e = this.service.encoder;
    if (!e || e.pinWidth === 0) return model.allPinEmbeddings();
    const n = model.config.numPins;
    const rows: (PinContent | undefined)[] = new Array(n);
    for (let i = 0; i < n; i++) rows[i] = this.content.get(this.labels[i]!);
    return model.allPinEmbeddings(e.encodePins(rows));
  }

  /** Runs fn with `user` as the requesting user's profile for generators called inside it. */
  withUser<T>(user: UserContent | undefined, fn: () => T): T {
    return this.users.run(user, fn);
  }

  /** The home feed's two_tower generator over one graph generation. */
  generator(g: PinIdSpace): CandidateGenerator {
    return new GraphTwoTower(this, g);
  }

  /** @internal used by GraphTwoTower */
  source(): TwoTowerCandidateSource {
    return new TwoTowerCandidateSource(this.service, {
      pinContent: (l) => this.contentOf(l),
      userContent: () => this.users.getStore(),
    });
  }
}

/** Two-tower candidates in a graph's dense id space (the model has its own labels). */
class GraphTwoTower implements CandidateGenerator {
  readonly name = 'two_tower';
  private readonly inner: TwoTowerCandidateSource;

  constructor(
    private readonly tt: ServingTwoTower,
    private readonly g: PinIdSpace,
  ) {
    this.inner = tt.source();
  }

  generate(req: CandidateRequest): Candidate[] {
    const pins: number[] = [];
    const weights: number[] = [];
    for (let i = 0; i < req.queryPins.length; i++) {
      const m = this.tt.label(this.g.pins.external(req.queryPins[i]!));
      if (m < 0) continue;
      pins.push(m);
      weights.push(req.queryWeights?.[i] ?? 1);
    }
    if (pins.length === 0) return [];
    const { user: _user, ...rest } = req;
    const out: Candidate[] = [];
    for (const c of this.inner.generate({ ...rest, queryPins: pins, queryWeights: weights })) {
      const id = this.tt.externalId(c.pin);
      const p = id === undefined ? -1 : this.g.pins.get(id);
      if (p >= 0) out.push({ ...c, pin: p });
    }
    return out;
  }
}
