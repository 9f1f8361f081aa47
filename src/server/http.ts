import type { z } from 'zod';

/** An error with an HTTP status; `field` names the offending input. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Parses `value` with `schema` or throws a 400 naming the first bad field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'params'): z.output<T> {
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.length ? issue.path.map(String).join('.') : where;
  let msg = issue.message;
  if (issue.code === 'unrecognized_keys') msg = `unknown field(s): ${issue.keys.join(', ')}`;
  throw new HttpError(400, 'bad_request', `${where} ${field}: ${msg}`, field);
}

