import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GbdtModel } from './gbdt/model.js';
import { GbdtRanker } from './gbdt-ranker.js';
import { checkLabelConfig, type LabelConfig } from './labels.js';

/** One client's entry: which model version serves it and how its labels are made. */
export interface RegistryEntry {
  client: string;
  /** 0 = configured, no model yet */
  version: number;
  labels: LabelConfig;
  /** model file relative to the registry directory */
  modelPath: string | null;
  features: string[];
  metrics: Record<string, number>;
  updatedAt: string;
  /** every training run: version tried, metrics, promoted or not */
  history: { version: number; metrics: Record<string, number>; promoted: boolean; at: string; reason: string }[];
}

const CLIENT_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Called after a model is promoted (e.g. the Memboost refit of src/jobs/memboost-job.ts). */
export type PromotionListener = (entry: RegistryEntry, model: GbdtModel) => void | Promise<void>;

/** Writes a file atomically: a temporary file in the same directory, then rename. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * A directory of JSON files: `<client>.json` per client (the entry) and `models/<client>-v<N>.json`
 * (boardwalk model files). Every write is atomic, so a server reading the registry never sees a
 * half-written file.
 */
export class ModelRegistry {
  private readonly listeners: PromotionListener[] = [];
  private pending: Promise<void>[] = [];
  private failures: Error[] = [];

  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'models'), { recursive: true });
  }

  /** Runs `listener` after every promotion recorded through this instance; returns an unsubscribe. */
  onPromote(listener: PromotionListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Waits for the promotion listeners started so far; throws the first failure (the promotion itself stands). */
  async settled(): Promise<void> {
    while (this.pending.length > 0) {
      const p = this.pending;
      this.pending = [];
      await Promise.all(p);
    }
    const f = this.failures;
    this.failures = [];
    if (f.length > 0) throw new Error(`registry: a promotion listener failed: ${f[0]!.message}`, { cause: f[0] });
  }

  /** A file belonging to one model version, beside its model: `models/<client>-v<N>.<suffix>` (absolute). */
  versionFile(client: string, version: number, suffix: string): string {
    this.entryPath(client);
    if (!Number.isInteger(version) || version < 1) throw new RangeError(`registry: version must be an integer >= 1, got ${version}`);
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(suffix)) throw new Error(`registry: bad file suffix '${suffix}'`);
    return join(this.dir, 'models', `${client}-v${version}.${suffix}`);
  }

  private entryPath(client: string): string {
    if (!CLIENT_RE.test(client)) throw new Error(`registry: client name '${client}' must match ${CLIENT_RE}`);
    return join(this.dir, `${client}.json`);
  }

  clients(): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .filter((c) => CLIENT_RE.test(c))
      .sort();
  }

  get(client: string): RegistryEntry | null {
    const p = this.entryPath(client);
    if (!existsSync(p)) return null;
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as RegistryEntry;
    } catch (e) {
      throw new Error(`registry: ${p} is not valid JSON (${(e as Error).message})`);
    }
  }

  /** Sets a client's label strategy and weights (creating the client if needed). */
  configure(client: string, labels: LabelConfig): RegistryEntry {
    checkLabelConfig(labels);
    const cur = this.get(client);
    const entry: RegistryEntry = cur
      ? { ...cur, labels, updatedAt: new Date().toISOString() }
      : { client, version: 0, labels, modelPath: null, features: [], metrics: {}, updatedAt: new Date().toISOString(), history: [] };
    writeFileAtomic(this.entryPath(client), JSON.stringify(entry, null, 2) + '\n');
    return entry;
  }

  /** The model serving a client, or null when none was promoted yet. */
  loadModel(client: string): GbdtModel | null {
    const e = this.get(client);
    if (!e || !e.modelPath) return null;
    const p = join(this.dir, e.modelPath);
    if (!existsSync(p)) throw new Error(`registry: model file ${p} for client '${client}' is missing`);
    return GbdtModel.fromJSON(JSON.parse(readFileSync(p, 'utf8')));
  }

  ranker(client: string): GbdtRanker | null {
    const m = this.loadModel(client);
    return m ? new GbdtRanker(m, `gbdt:${client}`) : null;
  }

  /** Records a training run; when `promote`, writes the model as the next version and points the client at it. */
  record(
    client: string,
    labels: LabelConfig,
    model: GbdtModel,
    metrics: Record<string, number>,
    promote: boolean,
    reason: string,
  ): RegistryEntry {
    const cur = this.get(client);
    const version = Math.max(cur?.version ?? 0, ...(cur?.history ?? []).map((h) => h.version)) + 1;
    const at = new Date().toISOString();
    const history = [...(cur?.history ?? []), { version, metrics, promoted: promote, at, reason }];
    let entry: RegistryEntry;
    if (promote) {
      const modelPath = join('models', `${client}-v${version}.json`);
      writeFileAtomic(join(this.dir, modelPath), JSON.stringify(model.toJSON()) + '\n');
      entry = { client, version, labels, modelPath, features: model.featureNames.slice(), metrics, updatedAt: at, history };
    } else {
      entry = cur
        ? { ...cur, history, updatedAt: at }
        : { client, version: 0, labels, modelPath: null, features: [], metrics: {}, updatedAt: at, history };
    }
    writeFileAtomic(this.entryPath(client), JSON.stringify(entry, null, 2) + '\n');
    if (promote) {
      for (const l of this.listeners.slice()) {
        // deferred, so a listener sees the entry on disk; failures surface in settled()
        this.pending.push(
          Promise.resolve()
            .then(() => l(entry, model))
            .catch((e: unknown) => {
              this.failures.push(e instanceof Error ? e : new Error(String(e)));
            }),
        );
      }
    }
    return entry;
  }
}
