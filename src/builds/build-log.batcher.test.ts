import { describe, expect, it } from 'vitest';
import type { NewLogLine } from '../store/index.js';
import { LogBatcher } from './build-log.batcher.js';

describe('LogBatcher', () => {
  it('writes in order, in batches of maxLines, and flushes the rest on close', async () => {
    const batches: string[][] = [];
    const batcher = new LogBatcher(
      (lines: readonly NewLogLine[]) => {
        batches.push(lines.map((l) => l.message));
        return Promise.resolve();
      },
      (err) => {
        throw err;
      },
      { maxLines: 3, intervalMs: 10_000 },
    );
    for (let i = 1; i <= 7; i++) batcher.push({ message: String(i) });
    await batcher.close();
    expect(batches).toEqual([['1', '2', '3'], ['4', '5', '6'], ['7']]);
  });

  it('flushes after the interval', async () => {
    const written: string[] = [];
    const batcher = new LogBatcher(
      (lines) => {
        written.push(...lines.map((l) => l.message));
        return Promise.resolve();
      },
      () => undefined,
      { intervalMs: 5 },
    );
    batcher.push({ message: 'a' });
    await expect.poll(() => written).toEqual(['a']);
    await batcher.close();
  });
});
