/**
 * Classifies apt / mmdebstrap output lines. "Mirror unreachable" (DNS, connect, fetch failures) is an
 * environment problem worth retrying; anything else (e.g. `E: Unable to locate package x`) is the spec's.
 */
export function isMirrorFailure(lines: readonly string[]): boolean {
  return lines.some((l) =>
    /Temporary failure resolving|Could not resolve|Could not connect to|Connection timed out|Network is unreachable|Failed to fetch http|Unable to connect to|No route to host/.test(
      l,
    ),
  );
}

/** apt's error lines (`E: …`), trimmed. */
export function aptErrorLines(lines: readonly string[]): string[] {
  return lines.map((l) => l.trim()).filter((l) => l.startsWith('E: '));
}
