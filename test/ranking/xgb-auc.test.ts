import { describe, expect, it } from 'vitest';
import { aucComparison, hasXgboost } from '../../bench/gbdt-bench.js';
import { buildDataset, splitByRequest } from '../../src/ranking/dataset.js';
import { DEFAULT_FEATURES } from '../../src/ranking/features.js';
import { labelConfigFor } from '../../src/ranking/labels.js';
import { simulateEngagement } from '../../src/ranking/simulator.js';

// runs only where Debian's python3-xgboost is installed (apt-get install -y python3-xgboost)
describe.skipIf(!hasXgboost())('quality against python3-xgboost', () => {
  it('test AUC within 0.005 of xgboost with the same hyper-parameters', () => {
    const log = simulateEngagement({ clients: ['homefeed'], requests: 2000, seed: 11 });
    const all = buildDataset(log.candidates, log.events, { client: 'homefeed', labels: labelConfigFor('homefeed'), features: DEFAULT_FEATURES });
    const { train, test } = splitByRequest(all, { valid: 0, test: 0.3 }, 1);
    const r = aucComparison(train, test, { rounds: 50, maxDepth: 6, learningRate: 0.1, lambda: 1, minChildWeight: 1, maxBins: 256 });
    expect(r.xgboost).not.toBeNull();
    expect(Math.abs(r.boardwalk - r.xgboost!)).toBeLessThan(0.005);
    expect(r.boardwalk).toBeGreaterThan(0.6);
  });
});
