import { escapeShellArg } from '../spec/sanitizer.js';

/**
 * Characters a POSIX shell never interprets inside a word that does not start with `-`, `~` or `=`.
 * Deliberately excludes spaces, quotes, `$`, backticks, backslash, globs, braces, `;&|<>()#`.
 */
const PLAIN_WORD = /^[A-Za-z0-9_+.,:/@%][A-Za-z0-9_+.,:/@%=-]*$/;

/**
 * Renders `value` as one shell word that the shell reads back as exactly `value`: plain when it consists
 * only of inert characters (so package lists in RUN lines stay readable), else through `escapeShellArg`.
 * Used for Dockerfile RUN lines; the configure script calls `escapeShellArg` directly.
 */
export function shellWord(value: string): string {
  return PLAIN_WORD.test(value) ? value : escapeShellArg(value);
}
