import { SingleBar } from 'cli-progress';

/**
 * Progress of a long run on stderr (stdout carries the report): a bar with an ETA (cli-progress)
 * on a terminal; otherwise — a log file, CI, a pipe — one plain line every 5 s or 10 %, whichever
 * comes first: `已读 40000 行（40%），预计还需 12 秒`.
 */
export interface Progress {
  /** `done` of `total` units (bytes, rows); `rows` is what the line counts. */
  update(done: number, rows: number): void;
  /** The last line (or the full bar); `completed` false — the run failed — just stops. */
  stop(completed?: boolean): void;
}

export interface ProgressOptions {
  /** 已读, 已导入 … */
  verb: string;
  total: number;
  /** Rows are known in advance (N/total 行) or only counted (N 行). */
  rowsKnown: boolean;
  stream?: NodeJS.WriteStream;
  /** The plain line's period (tests shorten it). */
  everyMs?: number;
  now?: () => number;
}

export function createProgress(o: ProgressOptions): Progress {
  const stream = o.stream ?? process.stderr;
  const now = o.now ?? (() => performance.now());
  if (stream.isTTY) return barProgress(o, stream);
  const started = now();
  const everyMs = o.everyMs ?? 5_000;
  let lastAt = started;
  let lastTenth = 0;
  let finished = false;
  const line = (done: number, rows: number) => {
    const share = o.total > 0 ? Math.min(1, done / o.total) : 1;
    const elapsed = (now() - started) / 1000;
    const eta = share > 0 && share < 1 ? Math.round((elapsed * (1 - share)) / share) : 0;
    const count = o.rowsKnown ? `${rows}/${o.total}` : String(rows);
    stream.write(`${o.verb} ${count} 行（${Math.floor(share * 100)}%）${share < 1 ? `，预计还需 ${eta} 秒` : `，用时 ${elapsed.toFixed(1)} 秒`}\n`);
  };
  let last = { done: 0, rows: 0 };
  return {
    update(done, rows) {
      last = { done, rows };
      const tenth = o.total > 0 ? Math.floor((done / o.total) * 10) : 10;
      const t = now();
      if (tenth >= 10) return;
      if (tenth > lastTenth || t - lastAt >= everyMs) {
        lastTenth = tenth;
        lastAt = t;
        line(done, rows);
      }
    },
    stop(completed = true) {
      if (finished) return;
      finished = true;
      if (completed) line(o.total, o.rowsKnown ? o.total : last.rows);
    },
  };
}

function barProgress(o: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  const count = o.rowsKnown ? '{rows}/{total} 行' : '{rows} 行';
  const bar = new SingleBar({ stream, format: `${o.verb} [{bar}] {percentage}% ${count} | 预计还需 {eta_formatted}`, hideCursor: true, clearOnComplete: false, etaBuffer: 50, fps: 5 });
  bar.start(o.total, 0, { rows: 0 });
  let rowsSeen = 0;
  let finished = false;
  return {
    update(done, rows) {
      if (finished) return;
      rowsSeen = rows;
      bar.update(Math.min(done, o.total), { rows });
    },
    stop(completed = true) {
      if (finished) return;
      finished = true;
      if (completed) bar.update(o.total, { rows: o.rowsKnown ? o.total : rowsSeen });
      bar.stop();
    },
  };
}
