import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { storageContentSource, storedPinContents, storedUserContent } from '../../src/features/storage.js';
import {
  FeatureEncoder,
  FeatureInputError,
  FeatureVersionError,
  featureFingerprint,
  fitFeatureSpec,
  type FeatureSpec,
  type PinContent,
} from '../../src/features/two-tower.js';
import { resolveRetrainConfig, runRetrain } from '../../src/jobs/retrain.js';
import { storageEngagementSource } from '../../src/jobs/storage-sources.js';
import { AnnIndex } from '../../src/retrieval/ann-index.js';
import { ServingTwoTower } from '../../src/retrieval/graph-source.js';
import { DEFAULT_CONFIG, TwoTowerModel } from '../../src/retrieval/model.js';
import { ModelStore } from '../../src/retrieval/model-store.js';
import { RetrievalService } from '../../src/retrieval/service.js';
import { ServingBundle } from '../../src/retrieval/version-sync.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { EngagementEvent, PinRecord, UserRecord } from '../../src/storage/types.js';
import { Rng } from '../../src/util/rng.js';

const DAY = 86_400_000;
const T0 = 1_700_000_000_000;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const pinsA: PinContent[] = [
  { id: 'a', locale: 'en', topic: 'cats', createdAt: T0 - 10 * DAY, annotations: ['kitten', 'fur'], text: 'A small grey kitten', embeddings: { visual: [3, 4] } },
  { id: 'b', locale: 'de', topic: 'dogs', createdAt: T0 - 400 * DAY, annotations: ['puppy'] },
  { id: 'c', locale: 'en', embeddings: { visual: [0, 1] } },
];

function specOf(referenceTime = T0): FeatureSpec {
  return fitFeatureSpec(pinsA, [{ locale: 'fr', createdAt: T0 - 30 * DAY }, { locale: 'fr' }, { locale: 'en' }], referenceTime, {
    annotationBuckets: 8,
    textBuckets: 4,
  });
}

describe('two-tower feature encoder', () => {
  it('lays out vocabularies with an other slot, ages, hashed tokens, unit-length vectors and action counts', () => {
    const spec = specOf();
    expect(spec.pin.locales).toEqual(['en', 'de']);
    expect(spec.pin.topics).toEqual(['cats', 'dogs']);
    expect(spec.pin.vectors).toEqual([{ name: 'visual', dim: 2 }]);
    expect(spec.user.locales).toEqual(['fr', 'en']);
    const e = new FeatureEncoder(spec);
    // locales 2+1, topics 2+1, created-at 2, annotations 8, text 4, visual 2
    expect(e.pinWidth).toBe(3 + 3 + 2 + 8 + 4 + 2);
    expect(e.userWidth).toBe(3 + 2 + 6);
    const a = e.encodePin(pinsA[0]);
    expect(Array.from(a.subarray(0, 6))).toEqual([1, 0, 0, 1, 0, 0]);
    expect(a[6]).toBe(1);
    expect(a[7]).toBeCloseTo(Math.log1p(10) / Math.log1p(3650), 6);
    const ann = a.subarray(8, 16);
    expect(Math.hypot(...ann)).toBeCloseTo(1, 5);
    expect(Array.from(a.subarray(20, 22)).map((x) => +x.toFixed(5))).toEqual([0.6, 0.8]);
    // unknown locale -> the other slot; a missing pin -> zeros
    expect(Array.from(e.encodePin({ locale: 'ja' }).subarray(0, 3))).toEqual([0, 0, 1]);
    expect(e.encodePin(undefined).every((x) => x === 0)).toBe(true);
    // the same pin gives the same vector every time (no clock): equal to training's encoding
    expect(Array.from(e.encodePin(pinsA[0]))).toEqual(Array.from(a));
    const u = e.encodeUser({ locale: 'en', createdAt: T0 + DAY, actions: [{ action: 'save' }, { action: 'save' }, { action: 'click' }] });
    expect(Array.from(u.subarray(0, 5))).toEqual([0, 1, 0, 1, 0]); // newer than the reference: age 0
    const save = spec.user.activityActions.indexOf('save');
    expect(u[5 + save]).toBeCloseTo(Math.log1p(2) / Math.log1p(200), 6);
  });

  it('names bad input', () => {
    const e = new FeatureEncoder(specOf());
    expect(() => e.encodePin({ id: 'x', embeddings: { visual: [1, 2, 3] } })).toThrow(/pin x vector "visual" has length 3, the model expects 2/);
    expect(() => e.encodePin({ id: 'x', embeddings: { visual: [1, Number.NaN] } })).toThrow(FeatureInputError);
    expect(() => fitFeatureSpec([{ id: 'p', embeddings: { v: [1] } }, { id: 'q', embeddings: { v: [1, 2] } }], [], T0)).toThrow(/pin q has vector "v" of length 2, other pins 1/);
    expect(() => fitFeatureSpec([], [], Number.NaN)).toThrow(/referenceTime/);
    expect(() => new FeatureEncoder({ ...specOf(), format: 'x' as 'boardwalk-features/1' })).toThrow(/unsupported format/);
    expect(() => fitFeatureSpec([], [], T0, { activityWindow: 0 })).toThrow(/activityWindow/);
  });

  it('fingerprints the spec: equal specs agree, any change differs', () => {
    expect(featureFingerprint(specOf())).toBe(featureFingerprint(specOf()));
    expect(featureFingerprint(specOf(T0 + 1))).not.toBe(featureFingerprint(specOf()));
  });
});

/** A 2-d model whose pin and user features are those of `spec`, with a hand-set index. */
function featureModel(spec: FeatureSpec, version: string): ServingBundle {
  const e = new FeatureEncoder(spec);
  const m = new TwoTowerModel({ ...DEFAULT_CONFIG, dim: 2, numPins: 3, pinFeatureDim: e.pinWidth, userFeatureDim: e.userWidth, features: spec, version });
  m.initRandom(new Rng(1));
  const idx = AnnIndex.build(m.versionInfo, m.allPinEmbeddings(e.encodePins(pinsA)), 2);
  return new ServingBundle(m, idx, ['a', 'b', 'c']);
}

describe('feature versions travel with the model', () => {
  it('a model trained with features X is never served features Y', () => {
    const x = specOf();
    const y = specOf(T0 + DAY);
    const svc = new RetrievalService(featureModel(x, 'v1'));
    const ex = new FeatureEncoder(x);
    const ey = new FeatureEncoder(y);
    const hist = [0, 1];
    const hf = (e: FeatureEncoder): Float32Array[] => hist.map((p) => e.encodePin(pinsA[p]));
    // features built with X, tagged X: served
    expect(svc.retrieve({ history: hist, historyFeatures: hf(ex), featureFingerprint: ex.fingerprint }, 2).pins.length).toBeGreaterThan(0);
    // built with Y, or untagged: refused at request time and when adding a pin
    expect(() => svc.retrieve({ history: hist, historyFeatures: hf(ey), featureFingerprint: ey.fingerprint }, 2)).toThrow(FeatureVersionError);
    expect(() => svc.retrieve({ history: hist, profile: ex.encodeUser({ locale: 'fr' }) }, 2)).toThrow(/without a spec fingerprint/);
    expect(() => svc.addPin(9, ey.encodePin(pinsA[0]), ey.fingerprint)).toThrow(FeatureVersionError);
    // content-level requests are encoded with the serving model's spec, before and after a swap
    expect(svc.encoder!.fingerprint).toBe(ex.fingerprint);
    svc.swap(featureModel(y, 'v2'));
    expect(svc.encoder!.fingerprint).toBe(ey.fingerprint);
    expect(() => svc.retrieve({ history: hist, historyFeatures: hf(ex), featureFingerprint: ex.fingerprint }, 2)).toThrow(FeatureVersionError);
    const r = svc.retrieveContent({ history: hist, pinContent: (p) => pinsA[p], user: { locale: 'fr' } }, 2);
    expect(r.version.version).toBe('v2');
    // a model file whose widths disagree with its spec does not load
    const m = svc.current.model;
    const bad = Buffer.from(m.toBuffer().toString('latin1').replace(`"pinFeatureDim":${m.config.pinFeatureDim}`, `"pinFeatureDim":${m.config.pinFeatureDim - 1}`), 'latin1');
    expect(() => TwoTowerModel.fromBuffer(bad)).toThrow(/pinFeatureDim 21 but the feature spec encodes 22 pin features/);
  });
});

/**
 * Storage with two taste groups: group 0 engages with pins g0-* (locale en, annotation "cat"),
 * group 1 with g1-* (locale de, annotation "dog"). Users carry locale and account age.
 */
async function seededStorage(): Promise<{ storage: SqliteStorage; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-ttfeat-'));
  dirs.push(dir);
  const storage = new SqliteStorage({ path: join(dir, 'boardwalk.sqlite'), synchronous: 'NORMAL' });
  await storage.init();
  const pins: PinRecord[] = [];
  for (let g = 0; g < 2; g++)
    for (let i = 0; i < 12; i++)
      pins.push({ id: `g${g}-${i}`, locale: g ? 'de' : 'en', createdAt: T0 - (i + 1) * DAY, annotations: [g ? 'dog' : 'cat', `x${i % 3}`], text: g ? 'a loyal dog' : 'a sleepy cat' });
  await storage.upsertPins(pins);
  const users: UserRecord[] = [];
  for (let u = 0; u < 24; u++) users.push({ id: `u${u}`, locale: u % 2 ? 'de' : 'en', createdAt: T0 - (u + 1) * 30 * DAY });
  await storage.upsertUsers(users);
  const rng = new Rng(5);
  const events: EngagementEvent[] = [];
  let n = 0;
  for (let u = 0; u < 24; u++) {
    const g = u % 2;
    for (let k = 0; k < 8; k++) {
      const action = k % 4 === 0 ? 'impression' : k % 3 === 0 ? 'click' : 'save';
      events.push({ eventId: `e${n}`, user: `u${u}`, pin: `g${g}-${rng.int(12)}`, action, surface: 'homefeed', platform: 'web', position: 0, timestamp: T0 - DAY + n * 1000 });
      n++;
    }
  }
  await storage.appendEvents(events);
  return { storage, dir };
}

describe('features from storage: retrain and serving read the same records through one encoder', () => {
  it('trains with the stored features, serves them unchanged, and embeds a new pin that has no engagement', async () => {
    const { storage, dir } = await seededStorage();
    try {
      const config = resolveRetrainConfig(undefined, {
        store: join(dir, 'models'),
        model: { dim: 8, temperature: 0.2 },
        train: { epochs: 30, batchSize: 16, extraNegatives: 8, learningRate: 0.03, seed: 2 },
        gate: { k: 5, maxUsers: 100, holdoutMinEvents: 3, maxRegression: 1, minRecall: 0 },
        features: { enabled: true, annotationBuckets: 16, textBuckets: 8 },
      });
      const rep = await runRetrain(storageEngagementSource(storage), config, () => {}, { content: storageContentSource(storage) });
      expect(rep.published).toBe(true);
      expect(rep.pinFeatureDim).toBeGreaterThan(0);
      expect(rep.userFeatureDim).toBeGreaterThan(0);
      const bundle = new ModelStore(config.store).load();
      const spec = bundle.model.config.features!;
      expect(featureFingerprint(spec)).toBe(rep.features);
      expect(spec.pin.locales).toEqual(['de', 'en']);
      expect(spec.user.locales.sort()).toEqual(['de', 'en']);

      const svc = new RetrievalService(bundle);
      const tt = new ServingTwoTower(svc, (await storedPinContents(storage)).values());
      // the index holds what training's encoding gave; serving re-encodes the stored record identically
      const e = svc.encoder!;
      const out = new Float32Array(8);
      const l = tt.label('g0-3');
      bundle.model.pinEmbedding(l, e.encodePin((await storage.getPin('g0-3')) ?? undefined), out);
      // unit vectors: a top score of |out|² = 1 at g0-3 means the indexed vector is out itself
      expect(bundle.index.search(out, 1).scores[0]).toBeCloseTo(out.reduce((s, x) => s + x * x, 0), 4);
      expect(bundle.index.search(out, 1).pins[0]).toBe(l);

      // a pin nobody engaged with: embedded from content only, added to the index online
      const before = svc.current.index.size;
      expect(tt.upsert([{ id: 'new-cat', locale: 'en', createdAt: T0, annotations: ['cat', 'x1'], text: 'a sleepy cat' }])).toBe(1);
      expect(svc.current.index.size).toBe(before + 1);
      const nl = tt.label('new-cat');
      expect(nl).toBeGreaterThanOrEqual(bundle.model.config.numPins);
      // users of the cat group score it above users of the dog group (their profiles from storage)
      const score = async (user: string): Promise<number> => {
        const w = tt.userWindow;
        const hist = (await storage.recentActions(user, 50)).filter((a) => a.action !== 'impression').map((a) => tt.label(a.pin)).reverse();
        const content = await storedUserContent(storage, user, w);
        const r = tt.withUser(content, () => svc.retrieveContent({ history: hist, pinContent: (p) => tt.contentOf(p), user: content }, 40, (p) => p === nl));
        return r.scores[0] ?? -Infinity;
      };
      const cat = [0, 2, 4, 6].map((u) => `u${u}`);
      const dog = [1, 3, 5, 7].map((u) => `u${u}`);
      let catMean = 0;
      let dogMean = 0;
      for (const u of cat) catMean += (await score(u)) / cat.length;
      for (const u of dog) dogMean += (await score(u)) / dog.length;
      expect(catMean).toBeGreaterThan(dogMean);

      // the home feed's generator finds it for a cat user (graph ids = stored ids here)
      const ids = [...(await storedPinContents(storage)).keys(), 'new-cat'];
      const g = { pins: { get: (x: string) => ids.indexOf(x), external: (d: number) => ids[d]! } };
      const q = (await storage.recentActions('u0', 50)).filter((a) => a.action !== 'impression').map((a) => ids.indexOf(a.pin));
      const user = await storedUserContent(storage, 'u0', tt.userWindow);
      const cands = tt.withUser(user, () => tt.generator(g).generate({ queryPins: q, limit: 30, seed: 1 }));
      expect(cands.map((c) => ids[c.pin])).toContain('new-cat');
      expect(cands.every((c) => !q.includes(c.pin))).toBe(true);
    } finally {
      await storage.close();
    }
  });

  it('--no-features (features.enabled false) trains on ids only', async () => {
    const { storage, dir } = await seededStorage();
    try {
      const config = resolveRetrainConfig(undefined, {
        store: join(dir, 'models'),
        model: { dim: 4 },
        train: { epochs: 1, batchSize: 16, extraNegatives: 4, seed: 1 },
        features: { enabled: false },
        force: true,
      });
      const rep = await runRetrain(storageEngagementSource(storage), config, () => {}, { content: storageContentSource(storage) });
      expect(rep.features).toBeNull();
      expect(new ModelStore(config.store).load().model.config.features).toBeUndefined();
      expect(() => resolveRetrainConfig(undefined, { features: { enabled: true, buckets: 3 } as never })).toThrow(/unknown key "features.buckets"/);
    } finally {
      await storage.close();
    }
  });
});
