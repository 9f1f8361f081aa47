import { Writable } from 'node:stream';
import type { Storage } from '../../src/storage/types.js';

/** 30 pins on three overlapping boards: B0 {p0..p9}, B1 {p5..p19}, B2 {p15..p29}. */
export async function seedChain(s: Storage): Promise<void> {
  const pins = [];
  const saves = [];
  for (let i = 0; i < 30; i++) {
    pins.push({ id: `p${i}`, locale: i % 2 ? 'fr' : 'en', createdAt: 1000 * i });
    if (i < 10) saves.push({ pin: `p${i}`, board: 'B0', createdAt: 1 });
    if (i >= 5 && i < 20) saves.push({ pin: `p${i}`, board: 'B1', createdAt: 1 });
    if (i >= 15) saves.push({ pin: `p${i}`, board: 'B2', createdAt: 1 });
  }
  await s.upsertPins(pins);
  await s.addSaves(saves);
}

/** A writable that keeps everything written (log capture). */
export function capture(): { stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(c, _e, cb) {
      chunks.push(String(c));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

export const ids = (body: { items: { id: string }[] }): string[] => body.items.map((x) => x.id);
