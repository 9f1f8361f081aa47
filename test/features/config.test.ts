import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES, loadConfig } from '../../src/server/config.js';
import { namespacesEnabled } from '../../src/server/namespaces.js';
import { readRulesFile } from '../../src/server/request-features.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-fcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, body: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
  return p;
}

describe('feature config', () => {
  it('file and env sections merge over the defaults', () => {
    const f = file('c.json', {
      namespaces: { allowed: ['acme'] },
      rules: { file: '/r.txt' },
      experiments: { file: '/e.json' },
      cursor: { ttlMs: 60_000 },
      filters: { pinTtlMs: 5000 },
      auth: { metrics: 'open' },
    });
    const c = loadConfig({ file: f, env: { BOARDWALK_CURSOR_SECRET: 'a-secret-of-16-chars', BOARDWALK_NAMESPACES_AUTO_CREATE: 'true' } });
    expect(c.namespaces).toEqual({ allowed: ['acme'], autoCreate: true });
    expect(c.features).toEqual({ ...DEFAULT_FEATURES, rulesFile: '/r.txt', experimentsFile: '/e.json', cursorTtlMs: 60_000, pinTtlMs: 5000, cursorSecret: 'a-secret-of-16-chars' });
    expect(c.auth).toMatchObject({ metrics: 'open', adminKeys: [] });
    expect(namespacesEnabled(c)).toBe(true);
    expect(namespacesEnabled(loadConfig({ env: {} }))).toBe(false);
  });

  it('bad values name the setting', () => {
    expect(() => loadConfig({ file: file('b1.json', { namespaces: { allowed: ['Acme'] } }) })).toThrow(/namespaces.allowed.0: namespace names are 1-40/);
    expect(() => loadConfig({ env: { BOARDWALK_CURSOR_SECRET: 'short' } })).toThrow(/environment: cursor.secret/);
    expect(() => loadConfig({ file: file('b2.json', { auth: { metrics: 'public' } }) })).toThrow(/auth.metrics/);
  });

  it('a bad rules file names the file, rule and column', () => {
    expect(readRulesFile(file('ok.txt', '# c\nlocale == "fr" -> drop\n'))).toHaveLength(1);
    const bad = file('bad.txt', 'locale == "fr" -> drop\nage_days = 3 -> drop\n');
    expect(() => readRulesFile(bad)).toThrow(`rules file ${bad}: rule 2, col 10: '=' is not an operator; use '=='`);
    expect(() => readRulesFile(join(dir, 'missing.txt'))).toThrow(/^rules file .*missing.txt: ENOENT/);
  });
});
