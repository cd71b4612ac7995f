/**
 * argv builders for `skopeo` (Debian package skopeo).
 *
 *   inspect: skopeo inspect [--raw] docker-archive:<file> → JSON (Digest, RepoTags, Layers, Created…) on
 *            stdout; exit 0 ok, 1 unreadable archive.
 *   copy to OCI layout: skopeo copy --quiet docker-archive:<file> oci:<dir>:<tag>; exit 0 ok, 1 error.
 */

export const SKOPEO = 'skopeo';

export function skopeoInspectArchiveArgs(file: string): string[] {
  return ['inspect', `docker-archive:${file}`];
}

export function skopeoCopyToOciArgs(file: string, ociDir: string, tag: string): string[] {
  return ['copy', '--quiet', `docker-archive:${file}`, `oci:${ociDir}:${tag}`];
}
