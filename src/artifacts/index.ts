export { resolveArtifactFile, buildArtifactsDir } from './artifact-path.js';
export { parseByteRange, type ByteRange } from './byte-range.js';
export {
  DOWNLOAD_TYPES,
  DOWNLOAD_CONTENT_TYPES,
  isDownloadType,
  isDownloadable,
  safeDownloadName,
  type DownloadType,
} from './artifact-types.js';
export { sha256File } from './file-digest.js';
export { ArtifactRetention, type RetentionOptions, type SweepResult } from './retention.js';
