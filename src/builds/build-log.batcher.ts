import type { NewLogLine } from '../store/index.js';

/**
 * Buffers build log lines and writes them in batches: when `maxLines` are waiting or `intervalMs` after the
 * first unflushed line, whichever comes first. Writes are sequential (order preserved). `close()` flushes
 * the rest and resolves when everything is written; a failed write is reported to `onError` (the build's
 * own outcome is not decided by its log).
 */
export class LogBatcher {
  private buffer: NewLogLine[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (lines: readonly NewLogLine[]) => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly options: { maxLines?: number; intervalMs?: number } = {},
  ) {}

  push(line: NewLogLine): void {
    this.buffer.push(line);
    if (this.buffer.length >= (this.options.maxLines ?? 200)) {
      this.flush();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.flush();
      }, this.options.intervalMs ?? 250);
    }
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const lines = this.buffer;
    this.buffer = [];
    this.chain = this.chain.then(() => this.write(lines)).catch(this.onError);
  }

  async close(): Promise<void> {
    this.flush();
    await this.chain;
  }
}
