import { createWriteStream, type WriteStream } from 'node:fs';
import type { Masker } from './secret.masker.js';

/**
 * `build.log`: every line of the build, masked, prefixed with an ISO timestamp and its source
 * (`2024-05-01T10:00:00.000Z [packages] …`). Contract: `write` never throws and never blocks the build;
 * `close` flushes and may be called twice. Lines are also handed to `onLine` (masked) for live streaming.
 */
export class BuildLogWriter {
  private readonly stream: WriteStream;
  private closed = false;

  constructor(
    readonly file: string,
    private readonly mask: Masker,
    private readonly onLine?: (line: string) => void,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.stream = createWriteStream(file, { flags: 'a' });
    this.stream.on('error', () => {
      /* a full disk must not fail the build; the error surfaces when artifacts are written */
    });
  }

  /** Masks and records one line from `source` (a stage name or `lbe`). */
  write(source: string, line: string): void {
    const masked = this.mask(line);
    if (!this.closed) this.stream.write(formatLogLine(this.now(), source, masked));
    this.onLine?.(masked);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.stream.end(resolve);
    });
  }
}

export function formatLogLine(at: Date, source: string, line: string): string {
  return `${at.toISOString()} [${source}] ${line}\n`;
}
