import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadXgboostModel } from '../../src/ranking/gbdt/xgboost.js';

const dir = new URL('../fixtures/xgb/', import.meta.url);

function readCsv(name: string): { header: string[]; rows: number[][] } {
  const lines = readFileSync(new URL(name, dir), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const rows = lines.slice(1).map((l) => l.split(',').map((v) => (v === '' ? NaN : Number(v))));
  return { header, rows };
}

describe('XGBoost JSON import', () => {
  const json = JSON.parse(readFileSync(new URL('model.json', dir), 'utf8')) as unknown;
  const data = readCsv('data.csv');
  const preds = readCsv('preds.csv');

  it('reproduces the margins and probabilities python3-xgboost wrote', () => {
    const model = loadXgboostModel(json);
    expect(model.featureNames).toEqual(data.header);
    expect(model.trees.length).toBe(8);
    const rows = data.rows.length;
    const x = new Float32Array(rows * data.header.length);
    data.rows.forEach((r, i) => x.set(r, i * data.header.length));
    const margin = new Float64Array(rows);
    model.predictMargin(x, rows, margin);
    const prob = model.predict(x, rows);
    for (let i = 0; i < rows; i++) {
      expect(margin[i]).toBeCloseTo(preds.rows[i]![0]!, 5);
      expect(prob[i]).toBeCloseTo(preds.rows[i]![1]!, 5);
    }
    // the last row is all-missing: it follows default directions only
    expect(Number.isNaN(x[(rows - 1) * 5])).toBe(true);
  });

  it('contributions sum to the margin', () => {
    const model = loadXgboostModel(json);
    const x = Float32Array.from(data.rows[3]!);
    const c = model.contributions(x, 0);
    const sum = c.reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(preds.rows[3]![0]!, 5);
  });

  it('rejects what it cannot score, naming the problem', () => {
    expect(() => loadXgboostModel({})).toThrow(/learner/);
    const j = JSON.parse(JSON.stringify(json)) as { learner: { objective: { name: string }; gradient_booster: { name: string } } };
    j.learner.objective.name = 'multi:softprob';
    expect(() => loadXgboostModel(j)).toThrow(/multi:softprob/);
    j.learner.objective.name = 'binary:logistic';
    j.learner.gradient_booster.name = 'gblinear';
    expect(() => loadXgboostModel(j)).toThrow(/gblinear/);
    expect(() => loadXgboostModel(json, ['a', 'b'])).toThrow(/2 feature names/);
  });
});
