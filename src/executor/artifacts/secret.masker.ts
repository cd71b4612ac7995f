/**
 * Replaces every occurrence of a secret value — and of its base64 form, as it appears in auth headers and
 * registry auth files — with `***`. Contract: longer needles are masked first (so a secret containing another
 * is fully hidden); empty values and values shorter than 3 characters are ignored (masking `a` would destroy
 * the log without protecting anything). The one masker for build logs, tool output and push errors.
 */
export type Masker = (line: string) => string;

export const MASK = '***';

const MIN_SECRET_LENGTH = 3;

export function createMasker(secrets: readonly (string | undefined)[]): Masker {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (s === undefined || s.length < MIN_SECRET_LENGTH) continue;
    needles.add(s);
    needles.add(Buffer.from(s).toString('base64').replace(/=+$/, ''));
  }
  const sorted = [...needles].sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return (line) => line;
  return (line) => {
    let out = line;
    for (const needle of sorted) out = out.split(needle).join(MASK);
    return out;
  };
}
