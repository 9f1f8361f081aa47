import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineObserver } from '../serving/engine.js';

/** Prometheus metrics of one server instance (own registry, so tests can run several). */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requestSeconds: Histogram<'method' | 'route' | 'status'>;
  readonly walkSteps: Counter<'surface'>;
  readonly candidates: Counter<'source'>;
  readonly cache: Counter<'surface' | 'result'>;
  readonly events: Counter<'result'>;
  readonly swaps: Counter<'kind'>;
  readonly swapSeconds: Histogram<'kind'>;
  readonly graphVersion: Gauge;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requestSeconds = new Histogram({
      name: 'boardwalk_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers,
    });
    this.walkSteps = new Counter({ name: 'boardwalk_walk_steps_total', help: 'Pixie walk steps', labelNames: ['surface'], registers });
    this.candidates = new Counter({
      name: 'boardwalk_candidates_total',
      help: 'Candidates returned per source (cache misses)',
      labelNames: ['source'],
      registers,
    });
    this.cache = new Counter({ name: 'boardwalk_cache_requests_total', help: 'Result cache lookups', labelNames: ['surface', 'result'], registers });
    this.events = new Counter({ name: 'boardwalk_events_total', help: 'Engagement events received', labelNames: ['result'], registers });
    this.swaps = new Counter({ name: 'boardwalk_graph_swaps_total', help: 'Graph snapshot swaps', labelNames: ['kind'], registers });
    this.swapSeconds = new Histogram({
      name: 'boardwalk_graph_swap_build_seconds',
      help: 'Time to build a swapped-in graph',
      labelNames: ['kind'],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
    this.graphVersion = new Gauge({ name: 'boardwalk_graph_version', help: 'Current graph snapshot version', registers });
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  observer(): EngineObserver {
    return {
      walkSteps: (surface, steps) => this.walkSteps.inc({ surface }, steps),
      candidates: (source, n) => this.candidates.inc({ source }, n),
      cache: (surface, hit) => this.cache.inc({ surface, result: hit ? 'hit' : 'miss' }),
      swap: (info) => {
        this.swaps.inc({ kind: info.kind });
        this.swapSeconds.observe({ kind: info.kind }, info.ms / 1000);
        this.graphVersion.set(info.version);
      },
    };
  }
}
