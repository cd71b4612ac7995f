import { isDownloadable } from '../artifacts/index.js';
import type { BuildArtifact } from '../store/index.js';
import type { ArtifactSummary } from './build-events.js';

/** The API path that downloads an artifact type of a build (the one URL scheme, shared with events). */
export const downloadUrl = (buildId: string, type: string): string =>
  `/api/build/download/${buildId}/${type}`;

/** A client's view of an artifact row: sizes, checksum, download URL — never the server path. */
export function toArtifactSummaryFromRow(artifact: BuildArtifact): ArtifactSummary {
  return {
    type: artifact.fileType,
    fileName: artifact.fileName,
    sizeBytes: artifact.sizeBytes,
    sha256: artifact.sha256,
    downloadUrl: isDownloadable(artifact) ? downloadUrl(artifact.buildId, artifact.fileType) : null,
    ref: artifact.ref,
    expired: artifact.deletedAt !== null,
  };
}
