import type { ArtifactFileType, BuildArtifact } from '../store/index.js';

/** Artifact types a client may download; the URL segment is validated against this enum. */
export const DOWNLOAD_TYPES = [
  'iso',
  'docker',
  'rootfs',
  'sbom',
  'manifest',
  'dockerfile',
  'log',
  'checksums',
] as const satisfies readonly ArtifactFileType[];
export type DownloadType = (typeof DOWNLOAD_TYPES)[number];

export function isDownloadType(value: string): value is DownloadType {
  return (DOWNLOAD_TYPES as readonly string[]).includes(value);
}

/** MIME type served for each downloadable artifact. */
export const DOWNLOAD_CONTENT_TYPES: Readonly<Record<DownloadType, string>> = {
  iso: 'application/x-iso9660-image',
  docker: 'application/x-tar',
  rootfs: 'application/zstd',
  sbom: 'application/spdx+json',
  manifest: 'application/json',
  dockerfile: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  checksums: 'text/plain; charset=utf-8',
};

/** Whether the artifact has a file that can still be downloaded. */
export function isDownloadable(artifact: BuildArtifact): boolean {
  return artifact.path !== null && artifact.deletedAt === null && isDownloadType(artifact.fileType);
}

/**
 * A file name safe for `Content-Disposition`: ASCII letters, digits, `.`, `_`, `-` only, never starting
 * with a dot, at most 128 characters; falls back to `artifact`.
 */
export function safeDownloadName(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[.]+/, '')
    .slice(0, 128);
  return cleaned === '' ? 'artifact' : cleaned;
}
