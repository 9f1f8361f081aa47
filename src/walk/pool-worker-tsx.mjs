// Entry of a walk worker when the TypeScript source runs directly (vitest, tsx): registers the
// tsx loader in this thread, then loads the worker. Compiled builds use pool-worker.js instead.
import { register } from 'tsx/esm/api';

register();
await import('./pool-worker.ts');
