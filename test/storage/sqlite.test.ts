import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { storageContract, ev } from './contract.js';

storageContract(
  'sqlite',
  async () => {
    const s = new SqliteStorage({ path: ':memory:' });
    await s.init();
    return s;
  },
  (s) => s.close(),
);

describe('sqlite file', () => {
  it('persists across reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-sqlite-'));
    try {
      const a = new SqliteStorage({ path: join(dir, 'x', 'db.sqlite') });
      await a.init();
      await a.appendEvents([ev(1), ev(2)]);
      await a.addSaves([{ pin: 'p', board: 'b', createdAt: 1 }]);
      await a.close();
      const b = new SqliteStorage({ path: join(dir, 'x', 'db.sqlite') });
      await b.init();
      expect(await b.countEvents()).toBe(2);
      expect(await b.maxSaveSeq()).toBe(1);
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
