import type { ProcessRunner } from '../process/process-runner.js';
import type { InstalledPackage } from './installed-package.types.js';

/**
 * Lists the packages of an rpm database inside a root filesystem with the host's `rpm` tool.
 *
 * argv: `rpm --dbpath <ABS_DBPATH> --query --all --queryformat <FORMAT>` where FORMAT prints one
 *   tab-separated line per package: NAME, EPOCH, VERSION-RELEASE, ARCH, VENDOR, PACKAGER, LICENSE, SOURCERPM.
 * Inputs: the absolute database directory (`<rootfs>/usr/lib/sysimage/rpm` or `<rootfs>/var/lib/rpm`).
 * Output: the packages, sorted as rpm prints them. Exit codes: 0 = ok; anything else rejects (ToolExitError);
 * a missing `rpm` rejects with LBE_BUILD_TOOL_MISSING (Debian package `rpm`), which the SBOM generator turns
 * into a warning. The database is only read; `--dbpath` never touches the host's own rpm database.
 */
export const RPM_QUERY_FORMAT =
  '%{NAME}\\t%{EPOCH}\\t%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{VENDOR}\\t%{PACKAGER}\\t%{LICENSE}\\t%{SOURCERPM}\\n';

export function rpmQueryArgs(dbPath: string): string[] {
  return ['--dbpath', dbPath, '--query', '--all', '--queryformat', RPM_QUERY_FORMAT];
}

export async function readRpmDatabase(
  runner: ProcessRunner,
  dbPath: string,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<InstalledPackage[]> {
  const result = await runner.run('rpm', rpmQueryArgs(dbPath), {
    timeoutMs: options.timeoutMs ?? 120_000,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return parseRpmQueryOutput(result.stdout);
}

/** Parses the output of RPM_QUERY_FORMAT. `(none)` (rpm's empty value) becomes absent; gpg-pubkey is skipped. */
export function parseRpmQueryOutput(stdout: string): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const [name, epoch, version, arch, vendor, packager, license, sourceRpm] = line
      .split('\t')
      .map((f) => (f === '(none)' ? '' : f));
    if (name === undefined || name === '' || version === undefined || name === 'gpg-pubkey') continue;
    const maintainer = vendor !== undefined && vendor !== '' ? vendor : packager;
    const source = sourceRpmName(sourceRpm);
    packages.push({
      manager: 'rpm',
      name,
      version,
      arch: arch === undefined || arch === '' ? 'noarch' : arch,
      ...(epoch === undefined || epoch === '' ? {} : { epoch }),
      ...(maintainer === undefined || maintainer === '' ? {} : { maintainer }),
      ...(license === undefined || license === '' ? {} : { license }),
      ...(source === undefined ? {} : { source }),
    });
  }
  return packages;
}

/** `bash-5.2.26-3.fc40.src.rpm` → `bash`. */
function sourceRpmName(sourceRpm: string | undefined): string | undefined {
  if (sourceRpm === undefined || sourceRpm === '') return undefined;
  const m = /^(.+)-[^-]+-[^-]+\.src\.rpm$/.exec(sourceRpm);
  return m?.[1];
}
