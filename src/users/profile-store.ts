import type { UserProfile } from './pinnersage.js';
import type { ProfileSource } from './retrieval.js';

/** Batch PinnerSage results per user. Storage can implement this; in memory for now. */
export interface ProfileStore extends ProfileSource {
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
