/**
 * Serving side of learned retrieval: holds the current ServingBundle (model + index of one
 * version), computes user embeddings per request with exactly that bundle's user tower, and adds
 * new pins online with that bundle's pin tower. Swapping versions replaces the bundle reference
 * in one assignment; every request reads the reference once, so it never mixes two versions.
 */
import { assertSameFeatures, FeatureEncoder, type PinContent, type UserContent } from '../features/two-tower.js';
import type { AnnHits } from './ann-index.js';
import type { ModelVersion, TwoTowerModel, UserInput } from './model.js';
import { assertSameVersion, ServingBundle } from './version-sync.js';

/** Raw feature vectors, tagged with the fingerprint of the spec that encoded them (if any). */
export interface FeaturedUserInput extends UserInput {
  /** FeatureEncoder.fingerprint of the encoder that built historyFeatures / profile */
  featureFingerprint?: string;
}

/** A request in content terms: the service encodes it with the serving model's own spec. */
export interface ContentQuery {
  /** model pin ids of recently engaged pins, most recent last */
  history: ArrayLike<number>;
  /** content of a history pin (by model pin id) */
  pinContent?: (pin: number) => PinContent | undefined;
  /** the user's profile record and recent actions */
  user?: UserContent;
  /** PinnerSage interest embedding */
  interest?: Float32Array;
}

/** The encoder a model's feature spec implies (null: the model has no spec). */
export function encoderFor(model: TwoTowerModel): FeatureEncoder | null {
  return model.config.features ? new FeatureEncoder(model.config.features) : null;
}

/** One version's towers + index and the feature encoder of its spec, swapped as one reference. */
interface Current {
  bundle: ServingBundle;
  encoder: FeatureEncoder | null;
}

export interface RetrievalResult extends AnnHits {
  /** the version that produced both the user embedding and the index */
  version: ModelVersion;
}

export class RetrievalService {
  private cur: Current;
  private userBuf: Float32Array;
  private pinBuf: Float32Array;

  constructor(bundle: ServingBundle) {
    this.cur = { bundle, encoder: encoderFor(bundle.model) };
    this.userBuf = new Float32Array(bundle.model.dim);
    this.pinBuf = new Float32Array(bundle.model.dim);
  }

  get version(): ModelVersion {
    return this.cur.bundle.version;
  }

  get current(): ServingBundle {
    return this.cur.bundle;
  }

  /** The encoder of the serving model's feature spec (null when it was trained without one). */
  get encoder(): FeatureEncoder | null {
    return this.cur.encoder;
  }

  /** Switches to another version (publish or rollback). The pair was validated when built. */
  swap(next: ServingBundle): void {
    assertSameVersion(next.model, next.index, 'swap');
    this.cur = { bundle: next, encoder: encoderFor(next.model) };
    if (this.userBuf.length !== next.model.dim) {
      this.userBuf = new Float32Array(next.model.dim);
      this.pinBuf = new Float32Array(next.model.dim);
    }
  }

  /** The user embedding under the current version (a copy). */
  userEmbedding(input: FeaturedUserInput): { vector: Float32Array; version: ModelVersion } {
    const { bundle: b, encoder } = this.cur;
    checkFeatures(encoder, input, 'userEmbedding');
    b.model.userEmbedding(input, this.userBuf);
    return { vector: this.userBuf.slice(), version: b.version };
  }

  /**
   * The k pins nearest the user's embedding. Re-checks the version pairing on every request:
   * a mismatched user tower and index are never served.
   */
  retrieve(input: FeaturedUserInput, k: number, filter?: (pin: number) => boolean): RetrievalResult {
    return this.retrieveFrom(this.cur, input, k, filter);
  }

  /**
   * Like retrieve, but the features are encoded here with the serving version's own spec (read
   * with the towers, in one reference), so they always match the towers that read them.
   */
  retrieveContent(q: ContentQuery, k: number, filter?: (pin: number) => boolean): RetrievalResult {
    const cur = this.cur;
    return this.retrieveFrom(cur, contentInput(cur.encoder, q), k, filter);
  }

  private retrieveFrom(cur: Current, input: FeaturedUserInput, k: number, filter?: (pin: number) => boolean): RetrievalResult {
    const b = cur.bundle;
    assertSameVersion(b.model, b.index, 'request');
    checkFeatures(cur.encoder, input, 'request');
    const len = b.model.userEmbedding(input, this.userBuf);
    if (len === 0) return { pins: [], scores: [], version: b.version };
    const hits = b.index.search(this.userBuf, k, filter);
    return { ...hits, version: b.version };
  }

  /**
   * Embeds a new (or changed) pin with the current pin tower and adds it to the index without a
   * rebuild. Returns false when the pin has neither a trained id embedding nor features.
   */
  addPin(pin: number, features?: Float32Array, featureFingerprint?: string): boolean {
    const { bundle: b, encoder } = this.cur;
    assertSameVersion(b.model, b.index, 'addPin');
    if (features) assertSameFeatures(encoder?.fingerprint ?? null, featureFingerprint, 'addPin');
    return this.addTo(b, pin, features);
  }

  /**
   * A new pin embedded from its content (no engagement needed): encoded with the serving spec,
   * run through the serving pin tower, added to the serving index.
   */
  addPinContent(pin: number, content: PinContent): boolean {
    const { bundle: b, encoder } = this.cur;
    assertSameVersion(b.model, b.index, 'addPinContent');
    return this.addTo(b, pin, encoder && encoder.pinWidth > 0 ? encoder.encodePin(content) : undefined);
  }

  private addTo(b: ServingBundle, pin: number, features: Float32Array | undefined): boolean {
    const len = b.model.pinEmbedding(pin, features, this.pinBuf);
    if (len === 0) return false;
    b.index.add(pin, this.pinBuf);
    return true;
  }
}

/** Features must come from the serving model's spec (checked by fingerprint). */
function checkFeatures(encoder: FeatureEncoder | null, input: FeaturedUserInput, where: string): void {
  const has = !!input.profile || !!input.historyFeatures?.length;
  if (has) assertSameFeatures(encoder?.fingerprint ?? null, input.featureFingerprint, where);
}

function contentInput(encoder: FeatureEncoder | null, q: ContentQuery): FeaturedUserInput {
  const input: FeaturedUserInput = { history: q.history };
  if (q.interest) input.interest = q.interest;
  if (!encoder) return input;
  input.featureFingerprint = encoder.fingerprint;
  if (encoder.pinWidth > 0 && q.pinContent) {
    const f: (Float32Array | undefined)[] = new Array(q.history.length);
    for (let i = 0; i < q.history.length; i++) {
      const c = q.pinContent(q.history[i]!);
      f[i] = c ? encoder.encodePin(c) : undefined;
    }
    input.historyFeatures = f;
  }
  if (encoder.userWidth > 0 && q.user) input.profile = encoder.encodeUser(q.user);
  return input;
}
