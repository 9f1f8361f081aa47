import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_NAMESPACES, type ServerConfig } from './config.js';
import { NAMESPACE_RE } from './feature-routes.js';

export interface NamespaceList {
  /** every namespace a request may name: default, the allowed list, and (SQLite) those with data on disk */
  namespaces: string[];
  /** the namespace this answer came from */
  current: string;
  /** any validly named namespace opens on first use */
  auto_create: boolean;
}

/**
 * The namespaces of a deployment. With SQLite, auto-created namespaces are the directories
 * under `<dataDir>/namespaces/` (see namespaceStorage); with PostgreSQL only the configured
 * ones are listed (schemas are not scanned).
 */
export function listNamespaces(config: ServerConfig, current: string): NamespaceList {
  const n = config.namespaces ?? DEFAULT_NAMESPACES;
  const names = new Set<string>(['default', ...n.allowed]);
  if (config.storage.kind === 'sqlite') {
    // a namespace app's dataDir is <base>/namespaces/<ns>; the default app's is <base>
    const root = current === 'default' ? join(config.storage.dataDir, 'namespaces') : dirname(config.storage.dataDir);
    if (existsSync(root)) for (const e of readdirSync(root, { withFileTypes: true })) if (e.isDirectory() && NAMESPACE_RE.test(e.name)) names.add(e.name);
  }
  const rest = [...names].filter((x) => x !== 'default').sort();
  return { namespaces: ['default', ...rest], current, auto_create: n.autoCreate };
}

/** GET /v1/namespaces (a read): what the console's namespace selector offers. */
export function registerNamespaceList(app: FastifyInstance, config: ServerConfig, current: string): void {
  app.get('/v1/namespaces', async () => listNamespaces(config, current));
}
