/**
 * Serving side of learned retrieval: holds the current ServingBundle (model + index of one
 * version), computes user embeddings per request with exactly that bundle's user tower, and adds
 * new pins online with that bundle's pin tower. Swapping versions replaces the bundle reference
 * in one assignment; every request reads the reference once, so it never mixes two versions.
 */
import type { AnnHits } from './ann-index.js';
import type { ModelVersion, UserInput } from './model.js';
import { assertSameVersion, ServingBundle } from './version-sync.js';

export interface RetrievalResult extends AnnHits {
  /** the version that produced both the user embedding and the index */
  version: ModelVersion;
}

export class RetrievalService {
  private bundle: ServingBundle;
  private userBuf: Float32Array;
  private pinBuf: Float32Array;

  constructor(bundle: ServingBundle) {
    this.bundle = bundle;
    this.userBuf = new Float32Array(bundle.model.dim);
    this.pinBuf = new Float32Array(bundle.model.dim);
  }

  get version(): ModelVersion {
    return this.bundle.version;
  }

  get current(): ServingBundle {
    return this.bundle;
  }

  /** Switches to another version (publish or rollback). The pair was validated when built. */
  swap(next: ServingBundle): void {
    assertSameVersion(next.model, next.index, 'swap');
    this.bundle = next;
    if (this.userBuf.length !== next.model.dim) {
      this.userBuf = new Float32Array(next.model.dim);
      this.pinBuf = new Float32Array(next.model.dim);
    }
  }

  /** The user embedding under the current version (a copy). */
  userEmbedding(input: UserInput): { vector: Float32Array; version: ModelVersion } {
    const b = this.bundle;
    b.model.userEmbedding(input, this.userBuf);
    return { vector: this.userBuf.slice(), version: b.version };
  }

  /**
   * The k pins nearest the user's embedding. Re-checks the version pairing on every request:
   * a mismatched user tower and index are never served.
   */
  retrieve(input: UserInput, k: number, filter?: (pin: number) => boolean): RetrievalResult {
    const b = this.bundle;
    assertSameVersion(b.model, b.index, 'request');
    const len = b.model.userEmbedding(input, this.userBuf);
    if (len === 0) return { pins: [], scores: [], version: b.version };
    const hits = b.index.search(this.userBuf, k, filter);
    return { ...hits, version: b.version };
  }

  /**
   * Embeds a new (or changed) pin with the current pin tower and adds it to the index without a
   * rebuild. Returns false when the pin has neither a trained id embedding nor features.
   */
  addPin(pin: number, features?: Float32Array): boolean {
    const b = this.bundle;
    assertSameVersion(b.model, b.index, 'addPin');
    const len = b.model.pinEmbedding(pin, features, this.pinBuf);
    if (len === 0) return false;
    b.index.add(pin, this.pinBuf);
    return true;
  }
}
