/**
 * Opaque cursors for keyset pagination on `(createdAt desc, id desc)`. The cursor is base64url JSON of the
 * last row's key; a malformed cursor decodes to undefined (the caller answers 400 or starts over).
 */
export interface PageCursor {
  readonly createdAt: number;
  readonly id: string;
}

export function encodePageCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id]), 'utf8').toString('base64url');
}

export function decodePageCursor(text: string): PageCursor | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'number' &&
      Number.isSafeInteger(parsed[0]) &&
      typeof parsed[1] === 'string'
    ) {
      return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through: not base64url JSON
  }
  return undefined;
}

/** A page of rows plus the cursor of the next page (undefined on the last page). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | undefined;
}
