import { z } from 'zod';
import * as S from './schemas.js';
import { SessionBody } from './feature-routes.js';
import { BULK_KINDS } from '../bulk/index.js';

const js = (s: z.ZodType): unknown => {
  const o = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete o['$schema'];
  return o;
};

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const err = (d: string) => ({ description: d, ...json({ $ref: '#/components/schemas/Error' }) });

function recPath(summary: string, idDesc: string) {
  const qs = js(S.RecQuery) as { properties: Record<string, unknown> };
  return {
    get: {
      summary,
      parameters: [
        { name: 'id', in: 'path', required: true, description: idDesc, schema: { type: 'string' } },
        ...Object.entries(qs.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
      ],
      responses: {
        '200': { description: 'a page of results', ...json({ $ref: '#/components/schemas/Recommendations' }) },
        '400': err('a bad parameter (the message names it)'),
        '404': err('unknown id'),
      },
    },
  };
}

function writePath(summary: string, body: z.ZodType, ok: string) {
  return {
    summary,
    requestBody: { required: true, ...json(js(body)) },
    responses: { '200': { description: 'stored', ...json({ $ref: `#/components/schemas/${ok}` }) }, '400': err('a bad field (named)') },
  };
}

/** The OpenAPI 3.1 document served at /docs/openapi.json. */
export function openApiDocument(maxEventBatch: number): unknown {
  return {
    openapi: '3.1.0',
    info: {
      title: 'boardwalk',
      version: '0.1.0',
      description: 'Pinterest-style recommendations: catalogue, engagement events and Pixie-based surfaces.',
    },
    paths: {
      '/v1/pins': { post: writePath('Upsert pins (fields left out keep their value; embeddings merge by name)', S.PinsBody, 'Write') },
      '/v1/boards': { post: writePath('Upsert boards', S.BoardsBody, 'Write') },
      '/v1/users': { post: writePath('Upsert users', S.UsersBody, 'Write') },
      '/v1/saves': {
        post: writePath('Add pin→board saves (unknown pins and boards are created)', S.SavesBody, 'Write'),
        delete: writePath('Remove pin→board saves', S.SavesRemoveBody, 'Write'),
      },
      '/v1/events': {
        post: writePath(
          `Ingest a batch of engagement events (at most ${maxEventBatch}); stored whole or not at all, idempotent by event_id`,
          S.eventsBody(maxEventBatch),
          'Events',
        ),
      },
      '/v1/pins/{id}': {
        get: {
          summary: 'A pin from the catalogue with its engagement counters',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'the pin' }, '404': err('unknown pin') },
        },
      },
      '/v1/pins/{id}/related': recPath('Related pins', 'pin id'),
      '/v1/users/{id}/homefeed': recPath('Home feed from the user’s recent engaged and saved pins', 'user id'),
      '/v1/boards/{id}/related': recPath('Related boards (by board visit counts of walks from the board’s pins)', 'board id'),
      '/v1/session/recommend': {
        post: {
          summary: 'Guests: related pins from an anonymous list of recent pins (unknown pins are skipped and listed)',
          requestBody: { required: true, ...json(js(SessionBody)) },
          responses: {
            '200': { description: 'a page of results', ...json({ $ref: '#/components/schemas/Recommendations' }) },
            '400': err('a bad field (named)'),
            '404': err('none of the pins is known'),
          },
        },
      },
      '/v1/bulk/{kind}': {
        post: {
          summary: 'Streamed bulk import of JSONL (gzip accepted): idempotent, admin key',
          parameters: [{ name: 'kind', in: 'path', required: true, schema: { enum: [...BULK_KINDS] } }],
          requestBody: { required: true, content: { 'application/x-ndjson': { schema: { type: 'string' } } } },
          responses: { '200': { description: 'rows imported' }, '400': err('a bad line (file:line and field named)') },
        },
        get: {
          summary: 'Streamed JSONL export (gzip=true compresses)',
          parameters: [
            { name: 'kind', in: 'path', required: true, schema: { enum: [...BULK_KINDS] } },
            { name: 'gzip', in: 'query', required: false, schema: { type: 'boolean' } },
          ],
          responses: { '200': { description: 'JSONL stream', content: { 'application/x-ndjson': { schema: { type: 'string' } } } } },
        },
      },
      '/v1/namespaces': {
        get: {
          summary: 'Namespaces a request may name in X-Boardwalk-Namespace: default, the allowed ones and (SQLite) auto-created ones with data',
          responses: { '200': { description: '{namespaces, current, auto_create}' } },
        },
      },
      '/v1/admin/rebuild': { post: { summary: 'Rebuild the graph from storage and swap it in', responses: { '200': { description: 'swapped' } } } },
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'alive' } } } },
      '/readyz': { get: { summary: 'Readiness (storage reachable, graph loaded)', responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } } },
    },
    components: {
      schemas: {
        Recommendations: js(S.RecResponse),
        Events: js(S.EventsResponse),
        Write: js(S.WriteResponse),
        Error: js(S.ErrorResponse),
      },
    },
  };
}
