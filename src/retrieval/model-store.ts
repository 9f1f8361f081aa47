/**
 * Versioned store of published two-tower models and their indexes:
 *
 *   DIR/versions/v000007/{model.bin, index.ann, manifest.json[, pin-ids.txt]}
 *   DIR/current            text file naming the serving version
 *
 * A version folder is written in full under DIR/.tmp-* and renamed into place, and `current` is
 * replaced by rename, so a reader sees either the old or the new version, never half of one.
 * The newest `keep` versions (and always the current one) are kept for rollback.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnnIndex } from './ann-index.js';
import { TwoTowerModel } from './model.js';
import { assertSameVersion, ServingBundle, VersionMismatchError } from './version-sync.js';

export interface VersionManifest {
  name: string;
  version: string;
  publishedAt: string;
  dim: number;
  numPins: number;
  /** validation figures that let it through the gate */
  metrics?: Record<string, number>;
  /** anything else worth recording (training settings, data summary) */
  info?: Record<string, unknown>;
}

const VERSION_RE = /^v(\d{6,})$/;

export class ModelStore {
  readonly dir: string;
  readonly keep: number;

  constructor(dir: string, keep = 3) {
    if (!Number.isInteger(keep) || keep < 1) throw new Error(`model store: keep must be an integer >= 1, got ${keep}`);
    this.dir = dir;
    this.keep = keep;
  }

  private get versionsDir(): string {
    return join(this.dir, 'versions');
  }

  /** Published versions, oldest first. */
  versions(): string[] {
    if (!existsSync(this.versionsDir)) return [];
    return readdirSync(this.versionsDir)
      .filter((n) => VERSION_RE.test(n))
      .sort((a, b) => versionNumber(a) - versionNumber(b));
  }

  /** The serving version, or null before the first publish. */
  current(): string | null {
    const f = join(this.dir, 'current');
    if (!existsSync(f)) return null;
    const v = readFileSync(f, 'utf8').trim();
    if (!VERSION_RE.test(v)) throw new Error(`model store ${this.dir}: current names ${JSON.stringify(v)}, not a version`);
    return v;
  }

  /** The label the next publish will get. */
  nextVersion(): string {
    const vs = this.versions();
    const n = vs.length === 0 ? 1 : versionNumber(vs[vs.length - 1]!) + 1;
    return `v${String(n).padStart(6, '0')}`;
  }

  /**
   * Publishes a model and its index as one version and makes it current. The model's version
   * must be nextVersion() (set it before building the index) and the index must carry it.
   */
  publish(model: TwoTowerModel, index: AnnIndex, extra: { metrics?: Record<string, number>; info?: Record<string, unknown>; pinIds?: readonly string[] } = {}): string {
    assertSameVersion(model, index, 'publish');
    const version = model.versionInfo.version;
    if (!VERSION_RE.test(version)) throw new Error(`model store: version ${JSON.stringify(version)} must look like v000001 (use nextVersion())`);
    if (existsSync(join(this.versionsDir, version))) throw new Error(`model store: version ${version} already exists`);
    if (extra.pinIds && extra.pinIds.length !== model.config.numPins) {
      throw new Error(`model store: ${extra.pinIds.length} pin ids for a model of ${model.config.numPins} pins`);
    }
    mkdirSync(this.versionsDir, { recursive: true });
    const tmp = mkdtempSync(join(this.dir, '.tmp-'));
    try {
      const manifest: VersionManifest = {
        name: model.versionInfo.name,
        version,
        publishedAt: new Date().toISOString(),
        dim: model.dim,
        numPins: model.config.numPins,
        ...(extra.metrics ? { metrics: extra.metrics } : {}),
        ...(extra.info ? { info: extra.info } : {}),
      };
      writeDurable(join(tmp, 'model.bin'), model.toBuffer());
      writeDurable(join(tmp, 'index.ann'), index.toBuffer());
      if (extra.pinIds) writeDurable(join(tmp, 'pin-ids.txt'), Buffer.from(extra.pinIds.join('\n'), 'utf8'));
      writeDurable(join(tmp, 'manifest.json'), Buffer.from(JSON.stringify(manifest, null, 2), 'utf8'));
      renameSync(tmp, join(this.versionsDir, version));
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    this.setCurrent(version);
    this.prune();
    return version;
  }

  /** Points `current` at a kept version (rollback or roll forward). */
  setCurrent(version: string): void {
    if (!this.versions().includes(version)) throw new Error(`model store: no version ${version} (have ${this.versions().join(', ') || 'none'})`);
    // validate before switching: a broken or mismatched version must never become current
    this.load(version);
    const tmp = join(this.dir, `.current-${process.pid}-${Date.now()}`);
    writeDurable(tmp, Buffer.from(version + '\n', 'utf8'));
    renameSync(tmp, join(this.dir, 'current'));
  }

  /** Loads a version (default: current), checking that towers and index belong together. */
  load(version?: string): ServingBundle {
    const v = version ?? this.current();
    if (!v) throw new Error(`model store ${this.dir}: nothing published yet`);
    const dir = join(this.versionsDir, v);
    if (!existsSync(dir)) throw new Error(`model store: no version ${v}`);
    const model = TwoTowerModel.fromBuffer(readFileSync(join(dir, 'model.bin')), `${v}/model.bin`);
    const index = AnnIndex.fromBuffer(readFileSync(join(dir, 'index.ann')), `${v}/index.ann`);
    assertSameVersion(model, index, `load ${v}`);
    if (model.versionInfo.version !== v) throw new VersionMismatchError(model.versionInfo, { name: model.versionInfo.name, version: v }, `load ${v}: folder`);
    const idsFile = join(dir, 'pin-ids.txt');
    const pinIds = existsSync(idsFile) ? readFileSync(idsFile, 'utf8').split('\n') : undefined;
    if (pinIds && pinIds.length !== model.config.numPins) throw new Error(`model store ${v}: pin-ids.txt has ${pinIds.length} ids for ${model.config.numPins} pins`);
    return new ServingBundle(model, index, pinIds);
  }

  manifest(version: string): VersionManifest {
    const f = join(this.versionsDir, version, 'manifest.json');
    if (!existsSync(f)) throw new Error(`model store: no version ${version}`);
    return JSON.parse(readFileSync(f, 'utf8')) as VersionManifest;
  }

  /** Deletes versions beyond the newest `keep`, never the current one; also stale temp folders. */
  prune(): string[] {
    const cur = this.current();
    const vs = this.versions();
    const removed: string[] = [];
    for (let i = 0; i < vs.length - this.keep; i++) {
      if (vs[i] === cur) continue;
      rmSync(join(this.versionsDir, vs[i]!), { recursive: true, force: true });
      removed.push(vs[i]!);
    }
    return removed;
  }
}

function versionNumber(v: string): number {
  return Number(VERSION_RE.exec(v)![1]);
}

function writeDurable(path: string, data: Buffer): void {
  writeFileSync(path, data);
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
