import { describe, expect, it } from 'vitest';
import { cleanConsoleLine, SerialConsoleMatcher } from './serial-console.matcher.js';

describe('SerialConsoleMatcher', () => {
  it('sees a login prompt that has no newline, across chunk and escape-sequence splits', () => {
    const lines: string[] = [];
    const m = new SerialConsoleMatcher(['MARKER-42'], { onLine: (l) => lines.push(l) });
    for (const chunk of [
      '\x1b[0;30;47mWelcome\x1b',
      '[0m to GRUB\r\n',
      'Debian 12 MARK',
      'ER-42 ttyS0\r\n\r\n',
      'vm log',
      'in: ',
    ]) {
      expect(m.isSatisfied).toBe(false);
      m.push(chunk);
    }
    expect(m.isSatisfied).toBe(true);
    expect(m.matched).toEqual(['MARKER-42']);
    expect(lines).toEqual(['Welcome to GRUB', 'Debian 12 MARKER-42 ttyS0']);
    expect(m.lastLines.at(-1)).toBe('vm login: ');
  });

  it('does not take systemd log lines for the prompt', () => {
    const m = new SerialConsoleMatcher([]);
    m.push('[  OK  ] Started systemd-logind.service - User Login Management.\r\n');
    m.push('         Starting login: something else\r\n');
    expect(m.loginPromptSeen).toBe(false);
  });

  it('needs every expected text, and keeps only the last lines', () => {
    const m = new SerialConsoleMatcher(['one', 'two'], { keepLines: 3 });
    m.push('one\nx\ny\nz\nhost login: ');
    expect(m.isSatisfied).toBe(false);
    expect(m.missing).toEqual(['two']);
    expect(m.lastLines).toEqual(['y', 'z', 'host login: ']);
  });

  it('strips CSI, OSC and control characters', () => {
    expect(cleanConsoleLine('\x1b[05;78H\x1b[?25h[  \x1b[0;32mOK\x1b[0m  ]\x07 done\x1b]0;title\x07')).toBe(
      '[  OK  ] done',
    );
  });
});

describe('SerialConsoleMatcher with full-screen output', () => {
  it('breaks GRUB menu redraws at cursor jumps, even when the sequence is split across chunks', () => {
    const m = new SerialConsoleMatcher([]);
    m.push('Welcome to GRUB!\x1b[5;');
    m.push(
      '78H*TRY live\x1b[22;1H   The highlighted entry will be executed automatically in 0s.\x1b[5;78H\r\n',
    );
    expect(m.lastLines).toEqual([
      'Welcome to GRUB!',
      '*TRY live',
      '   The highlighted entry will be executed automatically in 0s.',
    ]);
  });
});
