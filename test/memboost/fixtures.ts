import type { EngagementEvent } from '../../src/memboost/events.js';

export const ev = (pin: number, action: string, position: number, platform = 'web', queryPin = 10, surface = 'related'): EngagementEvent => ({
  pin,
  action,
  position,
  platform,
  queryPin,
  surface,
  timestamp: 0,
});

/**
 * Query 10 on web. Pin 1: 3 impressions at slot 0, 1 at slot 1, 2 clicks.
 * Pin 2: 1 impression at slot 0, 3 at slot 1, 1 click and 1 save.
 * Global rates: slot 0 click 2/4; slot 1 click 1/4, save 1/4.
 */
export function smallLog(): EngagementEvent[] {
  return [
    ev(1, 'impression', 0), ev(1, 'impression', 0), ev(1, 'impression', 0), ev(1, 'impression', 1),
    ev(1, 'click', 0), ev(1, 'click', 0),
    ev(2, 'impression', 0), ev(2, 'impression', 1), ev(2, 'impression', 1), ev(2, 'impression', 1),
    ev(2, 'click', 1), ev(2, 'save', 1),
    ev(7, 'click', 0, 'web', 10, 'homefeed'),
    { ...ev(8, 'impression', 0), queryPin: undefined },
  ];
}

