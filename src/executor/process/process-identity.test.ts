import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  isProcessAlive,
  ownProcessIdentity,
  parseProcStatStartTime,
  processStartTime,
} from './process-identity.js';

describe('parseProcStatStartTime', () => {
  const tail = 'S 1 2 3 0 -1 4194560 100 0 0 0 5 6 0 0 20 0 1 0 987654 1000 50';

  it('reads field 22 of a plain stat line', () => {
    expect(parseProcStatStartTime(`1234 (node) ${tail}`)).toBe(987654);
  });

  it('counts fields from the last parenthesis, whatever the command name holds', () => {
    expect(parseProcStatStartTime(`1234 (a b) (c) ) ${tail}`)).toBe(987654);
    expect(parseProcStatStartTime(`1234 (  ) ${tail}\n`)).toBe(987654);
  });

  it('rejects lines that are not stat lines', () => {
    expect(() => parseProcStatStartTime('1234 node S 1')).toThrow(/no command name/);
    expect(() => parseProcStatStartTime('1234 (node) S 1 2')).toThrow(/no start time/);
  });

  it('reads this process and tells a missing pid apart', async () => {
    const own = await processStartTime(process.pid);
    expect(own).toBeGreaterThan(0);
    expect(own).toBe(parseProcStatStartTime(await readFile('/proc/self/stat', 'utf8')));
    expect(await processStartTime(2 ** 30)).toBeUndefined();
    expect(await isProcessAlive({ pid: process.pid, start: own ?? -1 })).toBe(true);
    expect(await isProcessAlive({ pid: process.pid, start: (own ?? 0) + 1 })).toBe(false);
    expect(await isProcessAlive({ pid: 2 ** 30, start: own ?? -1 })).toBe(false);
  });
});

describe('ownProcessIdentity', () => {
  it('is this process, read once', async () => {
    const first = ownProcessIdentity();
    expect(ownProcessIdentity()).toBe(first);
    expect(await first).toEqual({ pid: process.pid, start: await processStartTime(process.pid) });
  });
});
