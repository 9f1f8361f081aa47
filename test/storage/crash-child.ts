// Child process for the crash test: writes a batch during which the storage SIGKILLs this
// process after `killAfter` rows.
import { PostgresStorage } from '../../src/storage/postgres.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { EngagementEvent, Storage } from '../../src/storage/types.js';

const [kind, target, killAfterRaw, n, extra, extra2] = process.argv.slice(2);
const killAfter = Number(killAfterRaw);
const N = Number(n);
const store: Storage =
  kind === 'sqlite'
    ? new SqliteStorage({ path: target!, testKillAfterRows: killAfter })
    : new PostgresStorage({ url: target!, schema: extra!, redisUrl: extra2!, redisPrefix: extra!, testKillAfterRows: killAfter });
await store.init();
const mk = (prefix: string, i: number): EngagementEvent => ({
  eventId: `${prefix}${i}`,
  user: `u${i % 7}`,
  pin: `p${i % 13}`,
  action: i % 25 === 0 ? 'save' : 'click',
  board: i % 25 === 0 ? `b${i % 3}` : undefined,
  surface: 'homefeed',
  platform: 'web',
  position: i % 20,
  timestamp: 1000 + i,
} as EngagementEvent);
await store.appendEvents(Array.from({ length: N }, (_, i) => mk('second', i)));
process.stdout.write('not killed?\n');
await store.close();
