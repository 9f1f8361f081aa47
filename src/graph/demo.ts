import { GraphBuilder } from './builder.js';
import type { PinBoardGraph } from './graph.js';
import { Rng } from '../util/rng.js';

export interface DemoGraphOptions {
  pins: number;
  boards: number;
  topics: number;
  /** average pins per board */
  pinsPerBoard: number;
  /** share of a board's pins taken from its own topic */
  focus: number;
  seed: number;
  /** reference time for created-at (epoch ms) */
  now: number;
}

const LOCALES = ['en', 'en', 'en', 'fr', 'de', 'ja'];

/**
 * A seeded demo catalogue with structure a recommender can find: pins and boards have topics,
 * boards mostly save pins of their topic, popularity within a topic is Zipf-like, pins have a
 * locale and a creation time. Used by `boardwalk start` when the real data sets are absent.
 */
export function generateDemoGraph(opts: Partial<DemoGraphOptions> = {}): PinBoardGraph {
  const o: DemoGraphOptions = {
    pins: 5000,
    boards: 800,
    topics: 12,
    pinsPerBoard: 25,
    focus: 0.9,
    seed: 42,
    now: Date.UTC(2026, 0, 1),
    ...opts,
  };
  const rng = new Rng(o.seed);
  const b = new GraphBuilder();
  // pins of each topic, in popularity order
  const byTopic: number[][] = Array.from({ length: o.topics }, () => []);
  for (let p = 0; p < o.pins; p++) {
    const topic = p % o.topics;
    byTopic[topic]!.push(p);
    b.setPinMeta(`pin-${p}`, {
      topic: `topic-${topic}`,
      locale: LOCALES[rng.int(LOCALES.length)]!,
      createdAt: o.now - Math.floor(rng.next() * 365 * 86_400_000),
    });
  }
  // log-uniform rank: a few pins of each topic are very popular, most are rare
  const zipf = (n: number): number => Math.min(n - 1, Math.floor(Math.pow(n, rng.next())) - 1);
  for (let j = 0; j < o.boards; j++) {
    const topic = rng.int(o.topics);
    b.setBoardMeta(`board-${j}`, { topic: `topic-${topic}` });
    const n = 2 + rng.int(2 * o.pinsPerBoard - 3);
    for (let k = 0; k < n; k++) {
      const t = rng.next() < o.focus ? topic : rng.int(o.topics);
      const list = byTopic[t]!;
      b.addEdge(`pin-${list[zipf(list.length)]!}`, `board-${j}`);
    }
  }
  return b.build();
}
