// Download progress reporting: a redrawn single-line bar when the stream is a terminal, otherwise
// occasional percentage lines through `log` (CI logs and pipes must not fill up with \r frames).

export interface DownloadProgress {
  /** Called with the cumulative number of bytes received so far. */
  update(received: number): void;
  /** Finishes the bar (newline) or prints the final line. */
  done(): void;
  /** Ends a partially drawn bar so following log lines start on a fresh line. */
  fail(): void;
}

export interface DownloadProgressOptions {
  label: string;
  /** Total size in bytes, when the server sent Content-Length. */
  total: number | undefined;
  log: (line: string) => void;
  stream?: NodeJS.WritableStream;
  /** Injectable clock for tests. */
  now?: () => number;
}

const REDRAW_INTERVAL_MS = 100;
const LINE_STEP_PERCENT = 25;

export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function isTerminal(stream: NodeJS.WritableStream | undefined): stream is NodeJS.WritableStream & { isTTY: true } {
  return stream !== undefined && 'isTTY' in stream && stream.isTTY === true;
}

function terminalColumns(stream: NodeJS.WritableStream): number {
  const columns = 'columns' in stream ? stream.columns : undefined;
  return typeof columns === 'number' && columns > 20 ? columns : 80;
}

function percentOf(received: number, total: number | undefined): number | undefined {
  if (total === undefined || total <= 0) return undefined;
  return Math.min(100, Math.floor((received / total) * 100));
}

export function createDownloadProgress(opts: DownloadProgressOptions): DownloadProgress {
  const now = opts.now ?? Date.now;
  const { stream } = opts;
  return isTerminal(stream) ? terminalBar(opts, stream, now) : percentLines(opts);
}

function terminalBar(opts: DownloadProgressOptions, stream: NodeJS.WritableStream, now: () => number): DownloadProgress {
  let lastDraw = -Infinity;
  let received = 0;
  let finished = false;
  let drawn = false;
  const draw = (): void => {
    drawn = true;
    const pct = percentOf(received, opts.total);
    const sizes =
      opts.total === undefined ? formatBytes(received) : `${formatBytes(received)}/${formatBytes(opts.total)}`;
    const tail = pct === undefined ? ` ${sizes}` : ` ${String(pct).padStart(3)}% ${sizes}`;
    const head = `${opts.label} `;
    const width = Math.max(10, Math.min(40, terminalColumns(stream) - head.length - tail.length - 3));
    const filled = pct === undefined ? 0 : Math.round((pct / 100) * width);
    const bar = pct === undefined ? '' : `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    // \r + clear-to-end-of-line redraws in place without leaving remnants of a longer frame.
    stream.write(`\r${head}${bar}${tail}\x1b[K`);
  };
  return {
    update(bytes) {
      received = bytes;
      const t = now();
      if (t - lastDraw >= REDRAW_INTERVAL_MS) {
        lastDraw = t;
        draw();
      }
    },
    done() {
      if (finished) return;
      finished = true;
      draw();
      stream.write('\n');
    },
    fail() {
      if (finished) return;
      finished = true;
      if (drawn) stream.write('\n');
    },
  };
}

function percentLines(opts: DownloadProgressOptions): DownloadProgress {
  let nextPercent = LINE_STEP_PERCENT;
  let received = 0;
  let finished = false;
  return {
    update(bytes) {
      received = bytes;
      const pct = percentOf(received, opts.total);
      if (pct === undefined || pct >= 100) return; // 100% is reported once, by done()
      if (pct >= nextPercent) {
        opts.log(`${opts.label}: ${pct}% (${formatBytes(received)} of ${formatBytes(opts.total ?? 0)})`);
        nextPercent = (Math.floor(pct / LINE_STEP_PERCENT) + 1) * LINE_STEP_PERCENT;
      }
    },
    done() {
      if (finished) return;
      finished = true;
      opts.log(`${opts.label}: 100% (${formatBytes(received)})`);
    },
    fail() {
      finished = true;
    },
  };
}
