/**
 * Parses Debian control-file syntax (deb822), the format of `var/lib/dpkg/status`.
 * Contract: paragraphs are separated by blank lines; a field is `Name: value`; a line starting with a space
 * or tab continues the previous field (kept with `\n`, leading whitespace removed; a lone `.` stays `.`).
 * Field names are case-insensitive: the returned maps use lower-case keys. Lines before any field and
 * `#` comment lines are ignored. Never throws: malformed lines are skipped.
 */
export function parseDeb822(text: string): Map<string, string>[] {
  const paragraphs: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let lastKey: string | undefined;

  const close = (): void => {
    if (current.size > 0) paragraphs.push(current);
    current = new Map();
    lastKey = undefined;
  };

  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      close();
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (lastKey !== undefined) {
        current.set(lastKey, `${current.get(lastKey) ?? ''}\n${line.trim()}`);
      }
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    lastKey = line.slice(0, colon).trim().toLowerCase();
    current.set(lastKey, line.slice(colon + 1).trim());
  }
  close();
  return paragraphs;
}
