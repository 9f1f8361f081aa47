import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reorderGraph } from '../src/graph/reorder.js';
import { loadSnapshot, saveSnapshot } from '../src/graph/snapshot.js';
import type { BenchSection } from './section.js';

/** Graph build time, snapshot save + load time and bytes per edge in memory. */
export const graphSection: BenchSection = {
  name: 'graph',
  description: 'build the generated graph, save and load a snapshot, memory per edge',
  run(ctx) {
    const g = ctx.graph();
    ctx.record('graph.build', ctx.graphBuildSeconds()!, 's');
    ctx.log(`graph: ${g.numPins} pins, ${g.numBoards} boards, ${g.numEdges} edges (max pin degree ${g.maxPinDegree()})`);
    ctx.log(`  build (generate + CSR both directions): ${ctx.graphBuildSeconds()!.toFixed(2)} s`);
    const bytes = g.byteSize();
    ctx.record('graph.bytesPerEdge', bytes / g.numEdges, 'B');
    ctx.log(`  memory: ${(bytes / 2 ** 20).toFixed(1)} MiB = ${(bytes / g.numEdges).toFixed(2)} bytes/edge (target <= 10)`);

    const dir = mkdtempSync(join(tmpdir(), 'boardwalk-bench-'));
    try {
      const file = join(dir, 'graph.bwg');
      let t = performance.now();
      saveSnapshot(g, file);
      const save = (performance.now() - t) / 1000;
      t = performance.now();
      const h = loadSnapshot(file);
      const load = (performance.now() - t) / 1000;
      t = performance.now();
      const hs = loadSnapshot(file, { shared: true });
      const loadShared = (performance.now() - t) / 1000;
      if (h.numEdges !== g.numEdges || hs.numEdges !== g.numEdges) throw new Error('snapshot round trip lost edges');
      const size = statSync(file).size;
      ctx.record('snapshot.save', save, 's');
      ctx.record('snapshot.load', load, 's');
      ctx.record('snapshot.loadShared', loadShared, 's');
      ctx.log(`  snapshot: ${(size / 2 ** 20).toFixed(1)} MiB file, save ${save.toFixed(2)} s, load ${load.toFixed(2)} s, load into shared memory ${loadShared.toFixed(2)} s (CRC checked)`);

      // a degree-renumbered copy: its id maps are permutations, stored as u32 sections (format v2)
      t = performance.now();
      const r = reorderGraph(g, { order: 'degree' });
      const reorder = (performance.now() - t) / 1000;
      const rfile = join(dir, 'reordered.bwg');
      saveSnapshot(r.graph, rfile);
      const back = loadSnapshot(rfile);
      const probe = g.numPins >> 1;
      const same =
        back.numEdges === g.numEdges &&
        back.pins.get(g.pins.external(probe)) === r.pinPerm[probe] &&
        back.boardDegree(r.boardPerm[0]!) === g.boardDegree(0);
      if (!same) throw new Error('reordered snapshot round trip changed the graph');
      ctx.record('graph.reorderSeconds', reorder, 's');
      ctx.log(`  reorder by degree: ${reorder.toFixed(2)} s, id maps +${((r.graph.byteSize() - bytes) / 2 ** 20).toFixed(1)} MiB, snapshot ${(statSync(rfile).size / 2 ** 20).toFixed(1)} MiB (round trip checked)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
