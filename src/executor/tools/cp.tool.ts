/**
 * argv builder for GNU `cp` (coreutils), used to copy a mounted root filesystem.
 *
 *   cp -a --reflink=auto <src>/. <dest>
 *   in: a directory; out: <dest> with the same tree, owners, modes, links, xattrs; exit 0 ok, 1 error.
 */

export const CP = 'cp';

export function copyTreeArgs(src: string, dest: string): string[] {
  return ['-a', '--reflink=auto', `${src}/.`, dest];
}
