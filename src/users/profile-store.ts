import type { UserProfile } from './pinnersage.js';
import type { ProfileSource } from './retrieval.js';

/** What the daily job knows about the run it writes. */
export interface ProfileRunInfo {
  /** events at or before this time (epoch ms) are in the run */
  cutoff: number;
}

/**
 * Where the daily job writes: the new profiles replace the previous ones all at once, or (when
 * it throws) not at all. Storage implements it (src/jobs/pinnersage-store.ts).
 */
export interface ProfileSink {
  replaceAll(profiles: readonly UserProfile[], run: ProfileRunInfo): void | Promise<void>;
}

/** Batch PinnerSage results per user, in memory. */
export interface ProfileStore extends ProfileSource, ProfileSink {
  set(profile: UserProfile): void;
  /** replaces every profile at once (the daily job's output) */
  replaceAll(profiles: Iterable<UserProfile>): void;
  users(): number[];
  readonly size: number;
}

export class InMemoryProfileStore implements ProfileStore {
  private map = new Map<number, UserProfile>();

  get(user: number): UserProfile | undefined {
    return this.map.get(user);
  }

  set(profile: UserProfile): void {
    this.map.set(profile.user, profile);
  }

  replaceAll(profiles: Iterable<UserProfile>): void {
    const next = new Map<number, UserProfile>();
    for (const p of profiles) next.set(p.user, p);
    this.map = next;
  }

  users(): number[] {
    return [...this.map.keys()].sort((a, b) => a - b);
  }

  get size(): number {
    return this.map.size;
  }
}
