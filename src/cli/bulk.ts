import { InvalidArgumentError, type Command } from 'commander';
import { exportFile } from '../bulk/export.js';
import { importFile } from '../bulk/import.js';
import { BULK_KINDS, checkKind } from '../bulk/kinds.js';
import { silentProgress, terminalProgress } from '../bulk/progress.js';
import { loadConfig } from '../server/config.js';
import { openStorage } from '../storage/open.js';

const posInt = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be an integer >= 1, got ${JSON.stringify(v)}`);
  return n;
};
const ms = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be epoch milliseconds >= 0, got ${JSON.stringify(v)}`);
  return n;
};
const kindArg = (v: string): string => {
  try {
    return checkKind(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

/** `boardwalk import <kind> <file>` and `boardwalk export <kind> <file>`: JSONL(.gz) bulk loads. */
export function register(program: Command): void {
  program
    .command('import')
    .description(`stream a JSONL or gzip'd JSONL file of ${BULK_KINDS.join(' | ')} into storage: batched, idempotent, resumable`)
    .argument('<kind>', BULK_KINDS.join(' | '), kindArg)
    .argument('<file>', 'one JSON object per line (.gz detected by content)')
    .option('-c, --config <file>', 'JSON config file (storage section), as for serve')
    .option('--batch-size <n>', 'rows per transaction', posInt('--batch-size'), 5000)
    .option('--checkpoint <file>', 'checkpoint file (default <file>.<kind>.checkpoint.json)')
    .option('--no-checkpoint', 'do not record or resume progress')
    .option('--restart', 'ignore an existing checkpoint and start from line 1')
    .option('-q, --quiet', 'no progress output')
    .action(
      async (kind: string, file: string, o: { config?: string; batchSize: number; checkpoint: string | boolean; restart?: boolean; quiet?: boolean }) => {
        const cfg = loadConfig(o.config ? { file: o.config } : {});
        const storage = await openStorage(cfg.storage);
        try {
          const r = await importFile(storage, kind, file, {
            batchSize: o.batchSize,
            checkpoint: o.checkpoint === false ? false : typeof o.checkpoint === 'string' ? o.checkpoint : undefined,
            restart: o.restart === true,
            progress: o.quiet ? silentProgress : terminalProgress(`import ${kind}`, 'bytes'),
          });
          const ev = kind === 'events' ? ` (${r.inserted} new, ${r.duplicates} already stored)` : '';
          const resumed = r.resumedFrom > 0 ? `, resumed after line ${r.resumedFrom}` : '';
          process.stdout.write(
            `import ${kind}: ${r.rows} rows${ev} from ${r.lines} lines${resumed} in ${r.seconds.toFixed(2)} s` +
              ` (${Math.round(r.rows / Math.max(r.seconds, 1e-9))} rows/s)\n`,
          );
        } finally {
          await storage.close();
        }
      },
    );

  program
    .command('export')
    .description(`stream ${BULK_KINDS.join(' | ')} from storage to a JSONL file (gzip'd when it ends in .gz)`)
    .argument('<kind>', BULK_KINDS.join(' | '), kindArg)
    .argument('<file>', 'output file; written as <file>.partial and renamed when complete')
    .option('-c, --config <file>', 'JSON config file (storage section), as for serve')
    .option('--batch-size <n>', 'rows per storage read', posInt('--batch-size'), 10_000)
    .option('--from <ms>', 'events only: first timestamp (epoch ms)', ms('--from'))
    .option('--to <ms>', 'events only: end timestamp, exclusive (epoch ms)', ms('--to'))
    .option('-q, --quiet', 'no progress output')
    .action(async (kind: string, file: string, o: { config?: string; batchSize: number; from?: number; to?: number; quiet?: boolean }) => {
      if (kind !== 'events' && (o.from !== undefined || o.to !== undefined)) throw new Error('--from/--to apply to events only');
      const cfg = loadConfig(o.config ? { file: o.config } : {});
      const storage = await openStorage(cfg.storage);
      try {
        const r = await exportFile(storage, kind, file, {
          batchSize: o.batchSize,
          from: o.from,
          to: o.to,
          progress: o.quiet ? silentProgress : terminalProgress(`export ${kind}`, 'rows'),
        });
        process.stdout.write(`export ${kind}: ${r.rows} rows to ${file} in ${r.seconds.toFixed(2)} s\n`);
      } finally {
        await storage.close();
      }
    });
}
