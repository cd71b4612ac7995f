/**
 * ISO-9660 volume id from a build or spec name: upper-case d-characters (`A-Z 0-9 _`), runs of anything
 * else folded into one `_`, no leading or trailing `_`, at most 32 characters (the field's size).
 * An empty result becomes `LBE_LIVE`. Pure and total.
 */
export function deriveVolumeId(name: string): string {
  const id = name
    .normalize('NFKD')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 32)
    .replace(/_+$/, '');
  return id === '' ? 'LBE_LIVE' : id;
}

/** True when `id` is already a valid volume id (what `deriveVolumeId` returns). */
export function isValidVolumeId(id: string): boolean {
  return /^[A-Z0-9_]{1,32}$/.test(id);
}
