import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { register as registerBulk } from '../../src/cli/bulk.js';
import { register as registerReport } from '../../src/cli/report.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-bulk-cli-'));
const saved = process.env['BOARDWALK_DATA_DIR'];
beforeAll(() => {
  process.env['BOARDWALK_DATA_DIR'] = join(dir, 'data');
});
afterAll(() => {
  if (saved === undefined) delete process.env['BOARDWALK_DATA_DIR'];
  else process.env['BOARDWALK_DATA_DIR'] = saved;
  rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerBulk(program);
  registerReport(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    out += String(c);
    return true;
  });
  try {
    await program.parseAsync(['node', 'boardwalk', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('boardwalk import / export / report', () => {
  it('imports events, reports the experiment, exports them again', async () => {
    const f = join(dir, 'ev.jsonl');
    const base = { surface: 'related', platform: 'web', position: 0, experimentId: 'x' };
    const rows = [
      { ...base, eventId: '1', user: 'a', pin: 'p', action: 'impression', timestamp: 1, variant: 'control' },
      { ...base, eventId: '2', user: 'a', pin: 'p', action: 'click', timestamp: 2, variant: 'control' },
      { ...base, eventId: '3', user: 'b', pin: 'p', action: 'impression', timestamp: 3, variant: 'b' },
    ];
    writeFileSync(f, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    expect(await run('import', 'events', f, '-q')).toMatch(/^import events: 3 rows \(3 new, 0 already stored\) from 3 lines/);
    expect(await run('import', 'events', f, '-q')).toMatch(/0 rows .* resumed after line 3/);
    const table = await run('report', '--experiment', 'x');
    expect(table).toContain('| control (control) | 1 | 1 | 1 | 0 | 100.00% [');
    const json = JSON.parse(await run('report', '--experiment', 'x', '--json')) as { variants: { variant: string; impressions: number }[] };
    expect(json.variants.map((v) => [v.variant, v.impressions])).toEqual([
      ['control', 1],
      ['b', 1],
    ]);
    const out = join(dir, 'out.jsonl');
    expect(await run('export', 'events', out, '-q')).toMatch(/^export events: 3 rows/);
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { eventId: string }).eventId)).toEqual(['1', '2', '3']);
  });

  it('refuses unknown kinds and --from on non-events', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(run('import', 'users', 'x.jsonl')).rejects.toThrow(/unknown kind "users"/);
      await expect(run('export', 'pins', join(dir, 'p.jsonl'), '--from', '5')).rejects.toThrow(/--from\/--to apply to events only/);
    } finally {
      err.mockRestore();
    }
  });
});
