import cliProgress from 'cli-progress';

/** Progress of a long bulk run: `done` of `total` units (bytes or rows), plus rows so far. */
export interface Progress {
  start(total: number | undefined): void;
  update(done: number, rows: number): void;
  stop(): void;
}

export const silentProgress: Progress = { start() {}, update() {}, stop() {} };

const fmtBytes = (n: number): string => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} kB`);

/**
 * A bar (cli-progress) on a TTY; otherwise one line every `everyMs` (logs, CI). `unit` says
 * what `done` counts.
 */
export function terminalProgress(label: string, unit: 'bytes' | 'rows', stream: NodeJS.WriteStream = process.stderr, everyMs = 5000): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} [{bar}] {percentage}% | {rows} rows | {doneText}`,
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    let total = 0;
    return {
      start(t) {
        total = t ?? 0;
        bar.start(Math.max(1, total), 0, { rows: 0, doneText: '' });
      },
      update(done, rows) {
        bar.update(total > 0 ? Math.min(done, total) : 0, { rows, doneText: unit === 'bytes' ? fmtBytes(done) : '' });
      },
      stop() {
        bar.stop();
      },
    };
  }
  let total: number | undefined;
  let last = 0;
  let lastDone = 0;
  let lastRows = 0;
  const line = (): void => {
    const pct = total ? ` ${((lastDone / total) * 100).toFixed(1)}%` : '';
    const of = unit === 'bytes' ? ` (${fmtBytes(lastDone)}${total ? ` of ${fmtBytes(total)}` : ''})` : '';
    stream.write(`${label}: ${lastRows} rows${pct}${of}\n`);
  };
  return {
    start(t) {
      total = t;
      last = Date.now();
    },
    update(done, rows) {
      lastDone = done;
      lastRows = rows;
      const now = Date.now();
      if (now - last >= everyMs) {
        last = now;
        line();
      }
    },
    stop() {
      line();
    },
  };
}
