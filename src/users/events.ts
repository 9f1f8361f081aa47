/**
 * Engagement events as the PinnerSage jobs consume them. Storage implements `EventSource` (an
 * async iterable); `InMemoryEventLog` is the in-process implementation used by tests and eval.
 */
export interface EngagementEvent {
  /** dense user id */
  user: number;
  /** dense pin id */
  pin: number;
  /** e.g. save, click, closeup */
  action: string;
  /** epoch ms */
  timestamp: number;
}

export type EventSource = AsyncIterable<EngagementEvent>;

export function validateEvent(e: EngagementEvent): void {
  if (!Number.isInteger(e.user) || e.user < 0) throw new RangeError(`event: user must be a dense id >= 0, got ${e.user}`);
  if (!Number.isInteger(e.pin) || e.pin < 0) throw new RangeError(`event: pin must be a dense id >= 0, got ${e.pin}`);
  if (typeof e.action !== 'string' || e.action === '') throw new RangeError(`event: action must be a non-empty string, got ${JSON.stringify(e.action)}`);
  if (!Number.isFinite(e.timestamp)) throw new RangeError(`event: timestamp must be a finite epoch ms, got ${e.timestamp}`);
}

export class InMemoryEventLog implements EventSource {
  private readonly events: EngagementEvent[] = [];

  append(e: EngagementEvent): void {
    validateEvent(e);
    this.events.push({ ...e });
  }

  get size(): number {
    return this.events.length;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<EngagementEvent> {
    for (const e of this.events) yield e;
  }
}

/** Wraps an array (or any iterable) as an EventSource. */
export function eventsFrom(events: Iterable<EngagementEvent>): EventSource {
  return {
    async *[Symbol.asyncIterator]() {
      for (const e of events) yield e;
    },
  };
}
