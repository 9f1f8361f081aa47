import type { z } from 'zod';

/**
 * Parses `raw` with `schema`, or throws an Error naming where and the first bad field:
 * "<where>: <path or (root)>: <message>". Used by every config-file reader.
 */
export function parseOrThrow<T extends z.ZodType>(schema: T, raw: unknown, where: string): z.output<T> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new Error(`${where}: ${i.path.join('.') || '(root)'}: ${i.message}`);
}
