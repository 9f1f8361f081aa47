/** Formatting and explanation helpers (no DOM: unit-tested in test/web). */

/** A pin younger than this counts as fresh when no fresh source proposed it. */
export const FRESH_DAYS = 7;
const DAY = 86_400_000;

/** "45 s", "3 min", "5 h", "12 d", "2.1 y" from an age in ms. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 0) ms = 0;
  const s = ms / 1000;
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.round(s / 3600)} h`;
  const d = s / 86_400;
  if (d < 365) return `${Math.round(d)} d`;
  return `${(d / 365).toFixed(1)} y`;
}

/** Short number: 3 significant digits, no exponent below 1e-4. */
export function num(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (Number.isInteger(x) || a >= 1000) return Math.round(x).toLocaleString('en');
  // 3 significant digits, trailing zeros dropped (94.0000001 -> 94, 0.500 -> 0.5)
  if (a >= 100) return String(Math.round(x));
  if (a >= 1e-4) return String(Number(x.toPrecision(3)));
  return x.toExponential(2);
}

export interface Explained {
  sources: string[];
  /** Pixie visit count (or walk score) */
  visits: number | null;
  /** Memboost score and its boost (γ·MB) */
  memboost: number | null;
  memboostBoost: number | null;
  ranker: number | null;
  fresh: boolean;
  /** why it counts as fresh: a fresh candidate source, or its age */
  freshReason: string | null;
}

/** What the card's explanation shows, from an explain=true item and the pin's creation time. */
export function explain(item: { sources?: string[]; parts?: Record<string, number> }, createdAt: number | undefined, now: number): Explained {
  const sources = item.sources ?? [];
  const p = item.parts ?? {};
  const pick = (...keys: string[]): number | null => {
    for (const k of keys) if (typeof p[k] === 'number') return p[k]!;
    return null;
  };
  const freshSource = sources.find((s) => s.startsWith('fresh'));
  let freshReason: string | null = null;
  if (freshSource) freshReason = `proposed by ${freshSource}`;
  else if ((p['freshBoards'] ?? 0) > 0 || (p['freshVotes'] ?? 0) > 0) freshReason = 'fresh candidate features';
  else if (createdAt !== undefined && now - createdAt <= FRESH_DAYS * DAY) freshReason = `created ${formatAge(now - createdAt)} ago`;
  return {
    sources,
    visits: pick('visits', 'pixie'),
    memboost: pick('memboost'),
    memboostBoost: pick('memboostBoost'),
    ranker: pick('ranker'),
    fresh: freshReason !== null,
    freshReason,
  };
}

/** A pin's display title: its text, else its annotations, else its id. */
export function pinTitle(p: { id: string; text?: string; annotations?: string[] }, max = 80): string {
  const t = (p.text ?? '').trim() || (p.annotations ?? []).join(', ') || p.id;
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
