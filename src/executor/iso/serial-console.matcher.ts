/**
 * Watches a serial console stream for the login prompt and expected texts.
 *
 * Contract: `push(chunk)` takes raw console output in any chunking (QEMU writes whatever the guest sent,
 * escape sequences split anywhere, and the prompt `host login: ` has no newline after it). Text is split
 * into lines at `\r\n`, `\n`, `\r` or a cursor-positioning sequence (lines capped at 1000 characters);
 * ANSI/VT100 escape sequences and other control characters are removed from each line before matching.
 * Every check runs on complete lines and on the pending partial line, so a
 * prompt is seen as soon as it is printed. An expected text must fit within one line.
 * `isSatisfied` becomes true once `login:` ended a line (agetty's prompt) and every expected text was seen.
 */
export class SerialConsoleMatcher {
  private readonly lines: string[] = [];
  private pending = '';
  private loginSeen = false;
  private readonly seen = new Set<string>();

  private readonly keepLines: number;
  private readonly onLine: ((line: string) => void) | undefined;

  /** `onLine` receives every complete, cleaned, non-empty line; `keepLines` bounds `lastLines` (50). */
  constructor(
    private readonly expected: readonly string[],
    options: { readonly keepLines?: number; readonly onLine?: (line: string) => void } = {},
  ) {
    this.keepLines = options.keepLines ?? 50;
    this.onLine = options.onLine;
  }

  push(chunk: string): void {
    this.pending += chunk;
    const parts = this.pending.split(LINE_BREAK);
    this.pending = parts.pop() ?? '';
    for (const raw of parts) {
      const line = cleanConsoleLine(raw).slice(0, MAX_LINE);
      if (line.trim() === '') continue;
      this.check(line);
      this.onLine?.(line);
      this.lines.push(line);
      if (this.lines.length > this.keepLines) this.lines.shift();
    }
    // A long run without a line end (a full-screen GRUB menu) must not grow without bound.
    if (this.pending.length > 65_536) this.pending = this.pending.slice(-4096);
    this.check(cleanConsoleLine(this.pending));
  }

  get isSatisfied(): boolean {
    return this.loginSeen && this.seen.size === this.expected.length;
  }

  get loginPromptSeen(): boolean {
    return this.loginSeen;
  }

  /** Expected texts seen so far, in the order given. */
  get matched(): string[] {
    return this.expected.filter((e) => this.seen.has(e));
  }

  get missing(): string[] {
    return this.expected.filter((e) => !this.seen.has(e));
  }

  /** The last `keepLines` non-empty cleaned lines, including the pending partial line. */
  get lastLines(): string[] {
    const partial = cleanConsoleLine(this.pending).slice(0, MAX_LINE);
    const all = partial.trim() === '' ? [...this.lines] : [...this.lines, partial];
    return all.slice(-this.keepLines);
  }

  private check(line: string): void {
    if (!this.loginSeen && LOGIN_PROMPT.test(line)) this.loginSeen = true;
    for (const e of this.expected) if (!this.seen.has(e) && line.includes(e)) this.seen.add(e);
  }
}

/**
 * Line ends, plus VT100 cursor positioning (`ESC [ row ; col H`): full-screen programs such as GRUB's menu
 * draw whole screens without a newline, and a cursor jump is where their text breaks.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const LINE_BREAK = /\r\n|\n|\r|\x1b\[\d*(?:;\d*)?[Hf]/;
const MAX_LINE = 1000;

/** agetty's prompt: `<host> login: ` at the end of a line (not "Login Management" in systemd's log). */
const LOGIN_PROMPT = /(^|\s)login: *$/;

// CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ESC \`), two-byte escapes (`ESC c`, `ESC 7`), then other controls.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_0-9=>]|\x1b/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f]/g;

/** One console line without escape sequences and control characters. */
export function cleanConsoleLine(raw: string): string {
  return raw.replace(ESCAPES, '').replace(CONTROLS, '');
}
