/**
 * Where the two-tower features come from in the service: pin records and user records plus
 * recent actions in Storage. Retraining (`retrain --from-storage`) and serving (the home feed's
 * two_tower source) both read through these functions, then encode with one FeatureEncoder.
 */
import type { PinRecord, Storage } from '../storage/types.js';
import type { PinContent, UserContent } from './two-tower.js';

/** Content of pins and users by external id, in the order asked (undefined = unknown). */
export interface ContentSource {
  readonly description: string;
  pins(ids: readonly string[]): Promise<(PinContent | undefined)[]>;
  /** profile records with each user's newest `window` actions (newest first) */
  users(ids: readonly string[], window: number): Promise<(UserContent | undefined)[]>;
}

/** A user's profile record and newest actions, as the user tower reads them. */
export async function storedUserContent(storage: Storage, id: string, window: number): Promise<UserContent | undefined> {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`features: activity window must be an integer >= 1, got ${window}`);
  const [rec, actions] = await Promise.all([storage.getUser(id), storage.recentActions(id, window)]);
  if (!rec && actions.length === 0) return undefined;
  const u: UserContent = { id, actions: actions.map((a) => ({ action: a.action })) };
  if (rec?.locale !== undefined) u.locale = rec.locale;
  if (rec?.createdAt !== undefined) u.createdAt = rec.createdAt;
  return u;
}

/** Every stored pin record by id (one pass over listPins). */
export async function storedPinContents(storage: Storage, batchSize = 5000): Promise<Map<string, PinRecord>> {
  const out = new Map<string, PinRecord>();
  for await (const batch of storage.listPins(batchSize)) for (const r of batch) out.set(r.id, r);
  return out;
}

/** The ContentSource over a Storage. */
export function storageContentSource(storage: Storage): ContentSource {
  let pins: Map<string, PinRecord> | null = null;
  return {
    description: `storage:${storage.kind}`,
    async pins(ids) {
      pins ??= await storedPinContents(storage);
      const m = pins;
      return ids.map((id) => m.get(id));
    },
    async users(ids, window) {
      const out: (UserContent | undefined)[] = [];
      for (const id of ids) out.push(await storedUserContent(storage, id, window));
      return out;
    },
  };
}

/** A ContentSource over in-memory records (tests, files). */
export function memoryContentSource(pins: readonly PinContent[], users: readonly (UserContent & { id: string })[]): ContentSource {
  const p = new Map<string, PinContent>();
  for (const x of pins) if (x.id !== undefined) p.set(x.id, x);
  const u = new Map(users.map((x) => [x.id, x]));
  return {
    description: 'memory',
    async pins(ids) {
      return ids.map((id) => p.get(id));
    },
    async users(ids, window) {
      return ids.map((id) => {
        const x = u.get(id);
        return x && x.actions ? { ...x, actions: x.actions.slice(0, window) } : x;
      });
    },
  };
}
