import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadConfig } from '../../src/server/config.js';

describe('config', () => {
  it('defaults < file < env < overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-cfg-'));
    try {
      const f = join(dir, 'c.json');
      writeFileSync(f, JSON.stringify({ port: 9000, host: '0.0.0.0', storage: { kind: 'postgres' }, engine: { pixie: { steps: 5000 } } }));
      const c = loadConfig({ file: f, env: { BOARDWALK_PORT: '9100', BOARDWALK_PIXIE_STEPS: '777' }, overrides: { port: 9200 } });
      expect(c.port).toBe(9200);
      expect(c.host).toBe('0.0.0.0');
      expect(c.storage.kind).toBe('postgres');
      expect(c.storage.dataDir).toBe(DEFAULT_CONFIG.storage.dataDir);
      expect(c.engine.pixie.steps).toBe(777);
      expect(c.engine.pixie.alpha).toBe(DEFAULT_CONFIG.engine.pixie.alpha);
      expect(loadConfig({ env: {} })).toEqual(DEFAULT_CONFIG);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad values name the setting', () => {
    expect(() => loadConfig({ env: { BOARDWALK_PORT: 'eighty' } })).toThrow('BOARDWALK_PORT="eighty" must be an integer');
    expect(() => loadConfig({ env: { BOARDWALK_STORAGE: 'mysql' } })).toThrow(/environment: storage.kind/);
    expect(() => loadConfig({ env: {}, overrides: { engine: { pixie: { alpha: 2 } } } })).toThrow(/engine.pixie.alpha/);
    expect(() => loadConfig({ env: {}, overrides: { prot: 1 } })).toThrow(/unknown|Unrecognized/i);
    expect(() => loadConfig({ env: {}, file: '/nonexistent/x.json' })).toThrow(/config file \/nonexistent\/x.json/);
  });
});
