/**
 * argv builder for `mmdebstrap` (Debian package mmdebstrap, 1.3+).
 *
 *   mmdebstrap --mode=root --variant=minbase --architectures=<arch> --quiet <release> <out.tar> <mirror>
 *   in: a reachable Debian/Ubuntu mirror; out: a tarball of a minimal root filesystem (~25 s, ~90 MB for
 *   bookworm). Exit 0 ok; non-zero: mirror unreachable (stderr "Failed to fetch" / "Temporary failure
 *   resolving"), unknown release, or not root. Writes <out.tar> directly: callers pass a temp path and rename.
 */

export const MMDEBSTRAP = 'mmdebstrap';

/** lbe architecture names → Debian architecture names. */
export const DEBIAN_ARCH: Readonly<Record<'x86_64' | 'aarch64', string>> = {
  x86_64: 'amd64',
  aarch64: 'arm64',
};

export function mmdebstrapArgs(input: {
  readonly release: string;
  readonly architecture: 'x86_64' | 'aarch64';
  readonly outTar: string;
  readonly mirror: string;
}): string[] {
  return [
    '--mode=root',
    '--variant=minbase',
    `--architectures=${DEBIAN_ARCH[input.architecture]}`,
    '--quiet',
    input.release,
    input.outTar,
    input.mirror,
  ];
}
