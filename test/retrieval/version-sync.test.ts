import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.js';
import { AnnIndex } from '../../src/retrieval/ann-index.js';
import { DEFAULT_CONFIG, TwoTowerModel } from '../../src/retrieval/model.js';
import { ModelStore } from '../../src/retrieval/model-store.js';
import { RetrievalService } from '../../src/retrieval/service.js';
import { ServingBundle, VersionMismatchError } from '../../src/retrieval/version-sync.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'bw-store-'));
  dirs.push(d);
  return d;
}

function model(version: string, seed: number): TwoTowerModel {
  const m = new TwoTowerModel({ ...DEFAULT_CONFIG, dim: 4, numPins: 20, version });
  m.initRandom(new Rng(seed));
  return m;
}
function indexOf(m: TwoTowerModel): AnnIndex {
  return AnnIndex.build(m.versionInfo, m.allPinEmbeddings(), m.dim);
}
function publishNext(store: ModelStore, seed: number): string {
  const m = model(store.nextVersion(), seed);
  return store.publish(m, indexOf(m));
}

describe('version sync', () => {
  it('a bundle refuses a user tower and an index of different versions', () => {
    const a = model('v000001', 1);
    const b = model('v000002', 2);
    expect(() => new ServingBundle(a, indexOf(b))).toThrow(VersionMismatchError);
    expect(() => new ServingBundle(a, indexOf(b))).toThrow(/two-tower@v000001 .* two-tower@v000002/);
    expect(new ServingBundle(a, indexOf(a)).version).toEqual({ name: 'two-tower', version: 'v000001' });
  });

  it('a request is refused if the pair stops matching after the bundle was built', () => {
    const a = model('v000001', 1);
    const svc = new RetrievalService(new ServingBundle(a, indexOf(a)));
    expect(svc.retrieve({ history: [1, 2] }, 3).version.version).toBe('v000001');
    a.setVersion('v000009'); // towers changed under the index
    expect(() => svc.retrieve({ history: [1, 2] }, 3)).toThrow(VersionMismatchError);
    expect(() => svc.addPin(3)).toThrow(VersionMismatchError);
  });

  it('publish refuses a mismatched pair and never leaves a partial version', () => {
    const store = new ModelStore(tmp());
    const a = model(store.nextVersion(), 1);
    const b = model('v000002', 2);
    expect(() => store.publish(a, indexOf(b))).toThrow(VersionMismatchError);
    expect(store.versions()).toEqual([]);
    expect(store.current()).toBeNull();
    expect(readdirSync(store.dir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('loading a version whose index file belongs to another version fails', () => {
    const store = new ModelStore(tmp(), 5);
    publishNext(store, 1);
    publishNext(store, 2);
    // simulate a botched copy: v000002's index into v000001's folder
    copyFileSync(join(store.dir, 'versions/v000002/index.ann'), join(store.dir, 'versions/v000001/index.ann'));
    expect(() => store.load('v000001')).toThrow(VersionMismatchError);
    expect(() => store.setCurrent('v000001')).toThrow(VersionMismatchError);
    expect(store.current()).toBe('v000002'); // a broken version never becomes current
    expect(store.load().version.version).toBe('v000002');
  });

  it('every bundle served across publishes and rollbacks pairs the same version', () => {
    const store = new ModelStore(tmp(), 3);
    publishNext(store, 1);
    const svc = new RetrievalService(store.load());
    const rng = new Rng(11);
    for (let step = 0; step < 12; step++) {
      if (rng.next() < 0.6) publishNext(store, 100 + step);
      else {
        const vs = store.versions();
        store.setCurrent(vs[rng.int(vs.length)]!);
      }
      svc.swap(store.load());
      const b = svc.current;
      expect(b.model.versionInfo).toEqual({ name: b.index.meta.name, version: b.index.meta.version });
      const r = svc.retrieve({ history: [0, 5] }, 4);
      expect(r.version.version).toBe(store.current());
    }
  });

  it('keeps the newest N versions plus current, and rolls back', () => {
    const store = new ModelStore(tmp(), 2);
    for (let i = 1; i <= 4; i++) publishNext(store, i);
    expect(store.versions()).toEqual(['v000003', 'v000004']);
    expect(store.current()).toBe('v000004');
    store.setCurrent('v000003');
    expect(store.load().version.version).toBe('v000003');
    publishNext(store, 5);
    publishNext(store, 6);
    expect(store.versions()).toEqual(['v000005', 'v000006']);
    expect(existsSync(join(store.dir, 'versions/v000003'))).toBe(false);
    expect(() => store.setCurrent('v000001')).toThrow(/no version v000001/);
    expect(store.manifest('v000006').numPins).toBe(20);
  });

  it('never prunes the current version', () => {
    const store = new ModelStore(tmp(), 1);
    publishNext(store, 1);
    publishNext(store, 2);
    store.setCurrent('v000002');
    expect(store.versions()).toEqual(['v000002']);
    expect(() => new ModelStore(tmp(), 0)).toThrow(/keep/);
  });
});
