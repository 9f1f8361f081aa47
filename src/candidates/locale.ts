import { lookupCode, type CategoricalColumn } from '../graph/metadata.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from './types.js';

export interface LocaleSegmentOptions {
  /** the inner source is asked for limit × overfetch candidates before filtering (default 10) */
  overfetch: number;
}

/**
 * Locale-segmented source: runs an inner source and keeps only pins of the viewer's locale,
 * reaching deeper into the inner list (overfetch) so that local pins that would never make a
 * global top-k still get proposed. Without a request locale, or for a locale no pin has, it
 * proposes nothing. Its source name is `<inner>@locale`.
 */
export class LocaleSegmentedGenerator implements CandidateGenerator {
  readonly name: string;
  private readonly o: LocaleSegmentOptions;

  constructor(
    readonly inner: CandidateGenerator,
    readonly pinLocale: CategoricalColumn,
    options: Partial<LocaleSegmentOptions> = {},
    name = `${inner.name}@locale`,
  ) {
    this.o = { overfetch: 10, ...options };
    if (!(this.o.overfetch >= 1)) throw new RangeError(`locale generator: overfetch must be >= 1, got ${this.o.overfetch}`);
    this.name = name;
  }

  generate(req: CandidateRequest): Candidate[] {
    if (!req.locale) return [];
    const code = lookupCode(this.pinLocale, req.locale);
    if (code === 0 || req.limit === 0) return [];
    const inner = this.inner.generate({ ...req, limit: Math.ceil(req.limit * this.o.overfetch) });
    const out: Candidate[] = [];
    for (const c of inner) {
      if (this.pinLocale.codes[c.pin] !== code) continue;
      out.push({ pin: c.pin, score: c.score, sources: [this.name], features: { ...c.features, localeMatch: 1 } });
      if (out.length >= req.limit) break;
    }
    return out;
  }
}
