import { describe, expect, it } from 'vitest';
import { AnnIndex } from '../../src/retrieval/ann-index.js';
import { TwoTowerCandidateSource } from '../../src/retrieval/candidate-source.js';
import { DEFAULT_CONFIG, TwoTowerModel } from '../../src/retrieval/model.js';
import { RetrievalService } from '../../src/retrieval/service.js';
import { ServingBundle } from '../../src/retrieval/version-sync.js';

/**
 * Hand-built model in 2-d: pins 0-2 point along x, pins 3-5 along y; history embeddings equal
 * pin embeddings; pin features (2-d) project through the identity.
 */
function service(): RetrievalService {
  const m = new TwoTowerModel({ ...DEFAULT_CONFIG, dim: 2, numPins: 6, pinFeatureDim: 2, version: 'v000001', normalize: true });
  const E = [1, 0, 0.9, 0.1, 0.8, 0.2, 0, 1, 0.1, 0.9, 0.2, 0.8];
  m.params.pinEmb.set(E);
  m.params.histEmb.set(E);
  m.params.pinFeatW.set([1, 0, 0, 1]);
  m.params.histFeatW.set([1, 0, 0, 1]);
  const idx = AnnIndex.build(m.versionInfo, m.allPinEmbeddings(), 2);
  return new RetrievalService(new ServingBundle(m, idx));
}

describe('RetrievalService and the two_tower candidate source', () => {
  it('retrieves the pins nearest the user tower output', () => {
    const svc = service();
    const r = svc.retrieve({ history: [0] }, 3);
    expect(r.pins).toEqual([0, 1, 2]);
    expect(r.version).toEqual({ name: 'two-tower', version: 'v000001' });
    expect(svc.retrieve({ history: [] }, 3).pins).toEqual([]); // nothing known about the user
  });

  it('adds a new pin online from its features, no rebuild', () => {
    const svc = service();
    expect(svc.addPin(10, Float32Array.from([0.05, 1]))).toBe(true);
    expect(svc.addPin(11)).toBe(false); // neither trained nor described
    const r = svc.retrieve({ history: [3] }, 2);
    expect(r.pins[0]).toBe(3);
    expect(r.pins[1]).toBe(10);
  });

  it('generates home-feed candidates from query pins, excluding them', () => {
    const src = new TwoTowerCandidateSource(service());
    const c = src.generate({ queryPins: [3, 4], limit: 2, seed: 1 });
    expect(c.map((x) => x.pin)).not.toContain(3);
    expect(c.map((x) => x.pin)).not.toContain(4);
    expect(c[0]!.pin).toBe(5);
    expect(c[0]!.sources).toEqual(['two_tower']);
    expect(c[0]!.features['two_tower']).toBeCloseTo(c[0]!.score, 6);
    expect(c.length).toBe(2);
  });

  it('falls back to the stored history of a known user', () => {
    const src = new TwoTowerCandidateSource(service(), { userHistory: (u) => (u === 7 ? [0, 1] : undefined) });
    expect(src.generate({ queryPins: [], user: 7, limit: 1, seed: 1 }).map((x) => x.pin)).toEqual([2]);
    expect(src.generate({ queryPins: [], user: 8, limit: 1, seed: 1 })).toEqual([]);
    expect(src.generate({ queryPins: [0], limit: 0, seed: 1 })).toEqual([]);
  });

  it('rejects malformed requests', () => {
    const src = new TwoTowerCandidateSource(service());
    expect(() => src.generate({ queryPins: [0], limit: -1, seed: 1 })).toThrow(/limit/);
    expect(() => src.generate({ queryPins: [0], queryWeights: [1, 2], limit: 1, seed: 1 })).toThrow(/query weights/);
  });
});
