import { describe, expect, it } from 'vitest';
import { delta, histogram, parseProm, quantile, sum, sumBy } from '../../web/src/prom.js';

const SCRAPE = `# HELP boardwalk_http_request_duration_seconds HTTP request latency by route
# TYPE boardwalk_http_request_duration_seconds histogram
boardwalk_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/v1/pins/:id/related",status="200"} 2
boardwalk_http_request_duration_seconds_bucket{le="0.01",method="GET",route="/v1/pins/:id/related",status="200"} 6
boardwalk_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/pins/:id/related",status="200"} 8
boardwalk_http_request_duration_seconds_sum{method="GET",route="/v1/pins/:id/related",status="200"} 0.5
boardwalk_http_request_duration_seconds_count{method="GET",route="/v1/pins/:id/related",status="200"} 8
boardwalk_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/metrics",status="200"} 4
boardwalk_http_request_duration_seconds_bucket{le="0.01",method="GET",route="/metrics",status="200"} 4
boardwalk_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/metrics",status="200"} 4
boardwalk_http_request_duration_seconds_count{method="GET",route="/metrics",status="200"} 4
boardwalk_candidates_total{source="pixie"} 120
boardwalk_candidates_total{source="text"} 30
boardwalk_graph_version 3
weird{a="x\\"y",b="line\\nbreak"} 1.5e3 1700000000000
`;

describe('prometheus parsing', () => {
  it('parses names, labels (escapes included), values and timestamps', () => {
    const s = parseProm(SCRAPE);
    expect(s).toHaveLength(13);
    expect(s[2]).toEqual({ name: 'boardwalk_http_request_duration_seconds_bucket', labels: { le: '+Inf', method: 'GET', route: '/v1/pins/:id/related', status: '200' }, value: 8 });
    expect(s[11]).toEqual({ name: 'boardwalk_graph_version', labels: {}, value: 3 });
    expect(s[12]).toEqual({ name: 'weird', labels: { a: 'x"y', b: 'line\nbreak' }, value: 1500 });
    expect(sumBy(s, 'boardwalk_candidates_total', 'source')).toEqual({ pixie: 120, text: 30 });
    expect(sum(s, 'boardwalk_http_request_duration_seconds_count')).toBe(12);
  });

  it('rejects a malformed line, naming it', () => {
    expect(() => parseProm('ok 1\nnot a metric line\n')).toThrow(/metrics line 2/);
    expect(() => parseProm('m{a="1" junk} 1')).toThrow(/bad labels/);
  });

  it('sums histogram buckets over the selected routes', () => {
    const h = histogram(parseProm(SCRAPE), 'boardwalk_http_request_duration_seconds', (l) => l['route']!.startsWith('/v1/'));
    expect(h).toEqual({ le: [0.001, 0.01, Infinity], counts: [2, 6, 8], count: 8, sum: 0.5 });
    const all = histogram(parseProm(SCRAPE), 'boardwalk_http_request_duration_seconds');
    expect(all.counts).toEqual([6, 10, 12]);
  });
});

describe('histogram quantiles', () => {
  const h = { le: [0.001, 0.01, Infinity], counts: [2, 6, 8], count: 8, sum: 0 };
  it('interpolates inside the bucket like histogram_quantile', () => {
    // rank 4 of 8 falls in (0.001, 0.01] holding ranks 3..6: 0.001 + 0.009 · (4−2)/4
    expect(quantile(0.5, h)).toBeCloseTo(0.0055, 12);
    // rank 1: first bucket from 0
    expect(quantile(0.125, h)).toBeCloseTo(0.0005, 12);
    // in the +Inf bucket: the highest finite bound
    expect(quantile(0.99, h)).toBe(0.01);
    expect(quantile(0.5, { le: [], counts: [], count: 0, sum: 0 })).toBeNull();
    expect(() => quantile(1.5, h)).toThrow(/q must be in \[0, 1\]/);
  });

  it('deltas between two scrapes; a counter reset takes the new scrape whole', () => {
    const b = { le: [0.001, 0.01, Infinity], counts: [3, 9, 12], count: 12, sum: 1 };
    expect(delta(h, b)).toEqual({ le: [0.001, 0.01, Infinity], counts: [1, 3, 4], count: 4, sum: 1 });
    expect(delta(b, h)).toBe(h);
    expect(delta(null, h)).toBe(h);
  });
});
