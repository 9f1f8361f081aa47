/**
 * Transparent huge pages for memory V8 maps itself (the walk's WebAssembly memory).
 *
 * Walks are bound by TLB misses on 4 KiB pages; with the host's THP mode at `madvise`, memory
 * gets 2 MiB pages only after madvise(MADV_HUGEPAGE), which JavaScript cannot call. A tiny
 * optional N-API addon (native/hugepages.c, built by scripts/build-native.mjs into
 * build/native/hugepages.node) does. Without it everything works, on 4 KiB pages.
 * `BOARDWALK_HUGE_PAGES=0` turns the advice off.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface HugePagesAddon {
  adviseHugePages(u8: Uint8Array): boolean;
}

/** undefined: not tried yet; null: tried and unavailable */
let addon: HugePagesAddon | null | undefined;
let addonPathOverride: string | null = null;

/** The package root: the first directory upwards holding a package.json (src/util or dist/src/util alike). */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** Where the addon is looked for. */
export function hugePagesAddonPath(): string | null {
  if (addonPathOverride !== null) return addonPathOverride;
  const root = packageRoot();
  return root === null ? null : join(root, 'build', 'native', 'hugepages.node');
}

function load(): HugePagesAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  const path = hugePagesAddonPath();
  if (process.platform !== 'linux' || path === null || !existsSync(path)) return addon;
  try {
    const mod = createRequire(import.meta.url)(path) as Partial<HugePagesAddon>;
    if (typeof mod.adviseHugePages === 'function') addon = mod as HugePagesAddon;
  } catch {
    // built for another platform or a broken file: huge pages stay off
  }
  return addon;
}

const enabled = (): boolean => process.env['BOARDWALK_HUGE_PAGES'] !== '0';

/** Whether adviseHugePages can work here (addon built and loadable, not turned off by env). */
export function hugePagesAvailable(): boolean {
  return enabled() && load() !== null;
}

/**
 * Asks the kernel to back the bytes under `u8` with transparent huge pages. Call it before the
 * pages are first written (they fault in huge); memory already touched is only collapsed later
 * by khugepaged. False when unavailable, turned off, or madvise failed (e.g. no THP in the kernel).
 */
export function adviseHugePages(u8: Uint8Array): boolean {
  if (!enabled() || u8.byteLength === 0) return false;
  const a = load();
  if (a === null) return false;
  try {
    return a.adviseHugePages(u8);
  } catch {
    return false;
  }
}

/** Resident memory of this process backed by transparent huge pages, in MiB (null off Linux). */
export function anonHugePagesMiB(): number | null {
  try {
    const m = /AnonHugePages:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** For tests: forget the loaded addon and look for it at `path` (null: the default place). */
export function resetHugePagesForTest(path: string | null = null): void {
  addon = undefined;
  addonPathOverride = path;
}
