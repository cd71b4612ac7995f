/**
 * JSON columns are text on both databases. `encodeJson` never throws for plain data; `decodeJson` returns
 * `fallback` for NULL or corrupt text rather than failing a whole listing because of one bad row.
 */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function decodeJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
