import type { NormalizedSpec } from '../../spec/spec.normalize.js';
import { normalizeMode, type ImageFile, type PlanFragment } from '../plan-fragment.js';

/** `alice` → `alice:alice` (the user's own group, as useradd -U makes it); `alice:staff` unchanged. */
export function ownerWithGroup(owner: string): string {
  return owner.includes(':') ? owner : `${owner}:${owner}`;
}

/** The spec's `files[]`: text or base64 content at a validated absolute path, with its mode and owner. */
export function planUserFiles(spec: NormalizedSpec): PlanFragment {
  const files: ImageFile[] = spec.files.map((f, i) => ({
    imagePath: f.path,
    content: f.content ?? f.base64?.replace(/\s+/g, '') ?? '',
    encoding: f.content === undefined ? 'base64' : 'utf8',
    mode: normalizeMode(f.mode),
    owner: ownerWithGroup(f.owner),
    origin: `files[${i}]`,
  }));
  return { files };
}
