#!/usr/bin/env node
// Compiles native/hugepages.c into build/native/hugepages.node (see src/util/huge-pages.ts).
// The addon is optional: without a C compiler, Node headers or Linux, huge pages for the walk's
// WebAssembly memory are simply off. So this script prints one line and exits 0 whatever happens;
// it must never fail `npm ci` / `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'hugepages.c');
const outDir = join(root, 'build', 'native');
const out = join(outDir, 'hugepages.node');

function off(why) {
  console.log(`build-native: huge pages for the walk's WebAssembly memory are off (${why})`);
  process.exit(0);
}

/** Directories that may hold node_api.h: next to the node binary, the distro's, the configured prefix. */
function headerDir() {
  const candidates = [resolve(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  const prefix = process.config?.variables?.node_prefix;
  if (typeof prefix === 'string' && prefix) candidates.push(join(prefix, 'include', 'node'));
  return candidates.find((d) => existsSync(join(d, 'node_api.h'))) ?? null;
}

function main() {
  // an addon from an earlier build must not outlive a build that says huge pages are off
  rmSync(out, { force: true });
  if (process.platform !== 'linux') off(`${process.platform}: madvise(MADV_HUGEPAGE) is Linux-only`);
  if (!existsSync(source)) off(`${source} is missing`);
  const include = headerDir();
  if (!include) off('no Node.js headers (node_api.h) found');
  const compilers = [process.env.CC, 'cc', 'gcc'].filter(Boolean);
  mkdirSync(outDir, { recursive: true });
  // compile to a temporary name so a failed run never leaves a half-written addon
  const tmp = `${out}.${process.pid}.tmp`;
  let lastError = 'no C compiler (cc, gcc) found';
  for (const cc of compilers) {
    const r = spawnSync(cc, ['-O2', '-shared', '-fPIC', '-Wall', `-I${include}`, '-o', tmp, source], { encoding: 'utf8' });
    if (r.error) continue; // not installed: try the next name
    if (r.status === 0) {
      renameSync(tmp, out);
      console.log(`build-native: built ${out.slice(root.length + 1)} (${cc}, headers ${include})`);
      return;
    }
    lastError = `${cc} failed: ${(r.stderr || '').trim().split('\n')[0] ?? ''}`;
  }
  rmSync(tmp, { force: true });
  off(lastError);
}

try {
  main();
} catch (err) {
  off(err instanceof Error ? err.message : String(err));
}
