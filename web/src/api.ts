/** Typed fetches of the boardwalk API and the console endpoints. */

export interface PinCard {
  id: string;
  text?: string;
  annotations?: string[];
  locale?: string;
  created_at?: number;
  boards: number;
}

export interface RecItem {
  id: string;
  score: number;
  sources?: string[];
  parts?: Record<string, number>;
}

export interface RecPage {
  items: RecItem[];
  next_cursor: string | null;
  graph_version: number;
}

export interface Cluster {
  medoid: PinCard;
  importance: number;
  share: number;
  actions: number;
  last_active: number;
  pins: string[];
  size: number;
}

export interface ClustersAnswer {
  user: string;
  computed_at: number;
  actions: { pin: string; action: string; timestamp: number }[];
  interest_actions: number;
  clusters: Cluster[];
}

export interface EvalRow {
  dataset: string;
  method: string;
  /** display name when it differs from the method (e.g. a protocol variant row) */
  label?: string;
  hr: number;
  ndcg: number;
  users: number;
  published: { method: string; hr: number; ndcg: number; source: string } | null;
}

export interface EvalAnswer {
  file: string;
  report: { k: number; rows: EvalRow[]; seed: number; userSample: number | null } | null;
  error: string | null;
  published: Record<string, { method: string; hr: number; ndcg: number; source: string }[]>;
}

export interface NamespaceList {
  namespaces: string[];
  current: string;
  auto_create: boolean;
}

export interface Overview {
  storage: string;
  graph_version: number;
  pins: number;
  boards: number;
  edges: number;
}

/** An API error with the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Paths are relative to the server root; the console lives under /console/. */
function url(path: string): string {
  return new URL(path, window.location.origin).toString();
}

/** The namespace every request goes to (X-Boardwalk-Namespace; none sent for "default"). */
let ns = 'default';

export function setNamespace(name: string): void {
  ns = name;
}

export function currentNamespace(): string {
  return ns;
}

/** Request headers naming the current namespace. */
export function nsHeaders(name = ns): Record<string, string> {
  return name === 'default' ? {} : { 'x-boardwalk-namespace': name };
}

export async function getJson<T>(path: string, headers: Record<string, string> = nsHeaders()): Promise<T> {
  const r = await fetch(url(path), { headers });
  const text = await r.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // non-JSON answer: fall through to the status message
  }
  if (!r.ok) throw new ApiError(r.status, (body as { message?: string } | null)?.message ?? `${r.status} ${r.statusText}`);
  return body as T;
}

export async function getText(path: string): Promise<string> {
  const r = await fetch(url(path), { headers: nsHeaders() });
  if (!r.ok) throw new ApiError(r.status, `${r.status} ${r.statusText}`);
  return r.text();
}

const enc = encodeURIComponent;

export const api = {
  overview: () => getJson<Overview>('/console/api/overview'),
  /** asked of the default namespace, which every deployment has */
  namespaces: () => getJson<NamespaceList>('/v1/namespaces', {}),
  search: (q: string, limit = 24) => getJson<{ items: (PinCard & { match: string; score: number | null })[] }>(`/console/api/pins/search?q=${enc(q)}&limit=${limit}`),
  pins: async (ids: string[]): Promise<Map<string, PinCard>> => {
    const out = new Map<string, PinCard>();
    if (ids.length === 0) return out;
    const r = await getJson<{ items: PinCard[] }>(`/console/api/pins?ids=${ids.map(enc).join(',')}`);
    for (const c of r.items) out.set(c.id, c);
    return out;
  },
  related: (id: string, limit: number, locale?: string) =>
    getJson<RecPage>(`/v1/pins/${enc(id)}/related?explain=true&limit=${limit}${locale ? `&locale=${enc(locale)}` : ''}`),
  homefeed: (id: string, limit: number) => getJson<RecPage>(`/v1/users/${enc(id)}/homefeed?explain=true&limit=${limit}`),
  clusters: (id: string) => getJson<ClustersAnswer>(`/console/api/users/${enc(id)}/clusters`),
  eval: () => getJson<EvalAnswer>('/console/api/eval'),
  metrics: () => getText('/metrics'),
};
