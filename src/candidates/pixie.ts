import { lookupCode } from '../graph/metadata.js';
import { PixieWalker, type PixieOptions } from '../walk/pixie.js';
import { checkRequest } from './common.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from './types.js';

export interface PixieGeneratorOptions {
  /** walker options (steps, alpha, early stopping, boost, degree penalty); topK and seed come from the request */
  walk: Partial<PixieOptions>;
  /**
   * When > 1 and the request has a locale that the graph's pin/board locale columns know, walks
   * prefer same-locale neighbours this many times (Pixie's biased walk). 1 = unbiased.
   */
  localeBias: number;
}

/**
 * Pixie random walks as a candidate generator. Feature `visits` is Pixie's (boosted) visit score.
 * One walker holds scratch arrays sized to the graph, so one generator serves one request at a time.
 */
export class PixieGenerator implements CandidateGenerator {
  readonly name: string;
  readonly walker: PixieWalker;
  private readonly o: PixieGeneratorOptions;

  constructor(walker: PixieWalker, options: Partial<PixieGeneratorOptions> = {}, name = 'pixie') {
    this.walker = walker;
    this.o = { walk: {}, localeBias: 1, ...options };
    if (!(this.o.localeBias >= 1)) throw new RangeError(`pixie generator: localeBias must be >= 1, got ${this.o.localeBias}`);
    this.name = name;
  }

  generate(req: CandidateRequest): Candidate[] {
    const g = this.walker.graph;
    checkRequest(this.name, req, g.numPins);
    const opts: Partial<PixieOptions> = { ...this.o.walk, topK: req.limit, seed: req.seed, countBoards: false };
    if (req.locale && this.o.localeBias > 1) {
      const pinCol = g.meta.pins.locale;
      const boardCol = g.meta.boards.locale;
      // WalkBias has one code for both steps; the columns have their own dictionaries, so the
      // board step is biased only when both give the locale the same code
      const code = lookupCode(pinCol, req.locale);
      const bcode = lookupCode(boardCol, req.locale);
      if (code > 0) {
        opts.bias = { pinCodes: pinCol!.codes, boardCodes: boardCol && bcode === code ? boardCol.codes : undefined, code, strength: this.o.localeBias };
      }
    }
    const r = this.walker.query(req.queryPins, req.queryWeights, opts);
    const out: Candidate[] = new Array<Candidate>(r.pins.length);
    for (let i = 0; i < r.pins.length; i++) {
      out[i] = { pin: r.pins[i]!, score: r.scores[i]!, sources: [this.name], features: { visits: r.scores[i]! } };
    }
    return out;
  }
}
