/** The apt package that provides each external tool, for LBE_BUILD_TOOL_MISSING messages. */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  buildah: 'buildah',
  runc: 'runc',
  '/usr/sbin/runc': 'runc',
  mmdebstrap: 'mmdebstrap',
  skopeo: 'skopeo',
  umoci: 'umoci',
  zstd: 'zstd',
  tar: 'tar',
  cp: 'coreutils',
};

/** `apt-get install <pkg>` hint for `command`, or a generic hint for unknown tools. */
export function installHint(command: string): string {
  const pkg = TOOL_PACKAGES[command];
  return pkg === undefined ? `install ${command}` : `apt-get install ${pkg}`;
}
