/**
 * Tokeniser for pin annotations and descriptions: lower-case, split on anything that is not a
 * letter or digit (Unicode-aware), drop one-character tokens and a short English stop list.
 */
const STOP = new Set(
  'a an and are as at be but by for from has have in is it its of on or that the this to was were will with'.split(' '),
);

const SPLIT = /[^\p{L}\p{N}]+/u;

export function tokenize(text: string): string[] {
  if (typeof text !== 'string') throw new TypeError(`tokenize: expected a string, got ${typeof text}`);
  const out: string[] = [];
  for (const raw of text.toLowerCase().split(SPLIT)) {
    if (raw.length < 2 || STOP.has(raw)) continue;
    out.push(raw);
  }
  return out;
}
