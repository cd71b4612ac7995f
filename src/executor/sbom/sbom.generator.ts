import { isLbeError, LbeError } from '../../errors/index.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { parseApkInstalled } from './apk-installed.parser.js';
import { parseDpkgStatus } from './dpkg-status.parser.js';
import type { DistroInfo, InstalledPackage } from './installed-package.types.js';
import { distroFromOsRelease } from './os-release.parser.js';
import { installedPackageUrl } from './package-url.codec.js';
import { readRootfsText, rootfsDirHasAny } from './rootfs-file.reader.js';
import { readRpmDatabase } from './rpm-database.reader.js';
import type { SpdxDocument, SpdxPackage, SpdxRelationship } from './spdx.types.js';

/**
 * SBOM and package manifest of a BUILT root filesystem (an unpacked image, see Builder.exportRootfs).
 * Everything is read from the rootfs' own package databases — never from the plan — so the SBOM lists
 * what is really inside, including dependencies the plan never named:
 *   dpkg  `var/lib/dpkg/status` (only `Status: install ok installed`)
 *   apk   `lib/apk/db/installed`
 *   rpm   `usr/lib/sysimage/rpm` or `var/lib/rpm`, through the host's `rpm --dbpath` (a warning when the host
 *         has no rpm tool: the SBOM then says so in creationInfo.comment instead of silently being empty)
 * The distro comes from `etc/os-release` (or `usr/lib/os-release`). Output is deterministic: same rootfs
 * and meta → byte-identical JSON (packages sorted, no wall-clock time).
 */

export interface SbomMeta {
  /** Document name, e.g. the image tag. */
  readonly name: string;
  /** Unique URI of this document, e.g. `https://lbe.example/spdx/<buildId>`. */
  readonly documentNamespace: string;
  /** ISO timestamp, derived from SOURCE_DATE_EPOCH (reproducible builds); written without milliseconds. */
  readonly created: string;
  /** Overrides what `etc/os-release` says. */
  readonly distro?: DistroInfo;
  /** Version of lbe for `creators: ['Tool: lbe-<version>']`; default `dev`. */
  readonly toolVersion?: string;
}

export interface SbomOptions {
  /** Needed only for rpm databases; without it an rpm database produces a warning. */
  readonly runner?: ProcessRunner;
  readonly signal?: AbortSignal;
  /** Called once per problem that did not stop the SBOM (e.g. rpm database but no rpm tool). */
  readonly onWarning?: (message: string) => void;
}

export interface RootfsInventory {
  readonly distro: DistroInfo | undefined;
  /** Sorted by name, then arch, then version. */
  readonly packages: readonly InstalledPackage[];
  readonly warnings: readonly string[];
}

/** The entries of `manifest.json`'s package list. */
export interface ManifestPackage {
  readonly name: string;
  readonly version: string;
  readonly arch: string;
}

const RPM_DB_DIRS = ['usr/lib/sysimage/rpm', 'var/lib/rpm'] as const;
const RPM_DB_MARKERS = ['rpmdb.sqlite', 'Packages', 'Packages.db'] as const;

/** Reads the distro and every installed package of `rootfsDir`. Throws only when `rootfsDir` is unreadable. */
export async function readRootfsInventory(
  rootfsDir: string,
  options: SbomOptions = {},
): Promise<RootfsInventory> {
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const osRelease =
    (await readRootfsText(rootfsDir, 'etc/os-release')) ??
    (await readRootfsText(rootfsDir, 'usr/lib/os-release'));
  const distro = osRelease === undefined ? undefined : distroFromOsRelease(osRelease);
  if (distro === undefined)
    warn('etc/os-release is missing or has no ID: package URLs carry no distro qualifier');

  const packages: InstalledPackage[] = [];
  const dpkgStatus = await readRootfsText(rootfsDir, 'var/lib/dpkg/status');
  if (dpkgStatus !== undefined) packages.push(...parseDpkgStatus(dpkgStatus));
  const apkInstalled = await readRootfsText(rootfsDir, 'lib/apk/db/installed');
  if (apkInstalled !== undefined) packages.push(...parseApkInstalled(apkInstalled));

  let rpmDbFound = false;
  for (const rel of RPM_DB_DIRS) {
    const dbPath = await rootfsDirHasAny(rootfsDir, rel, RPM_DB_MARKERS);
    if (dbPath === undefined) continue;
    rpmDbFound = true;
    const rpmPackages = await readRpmPackages(rel, dbPath, options, warn);
    packages.push(...rpmPackages);
    break;
  }
  if (dpkgStatus === undefined && apkInstalled === undefined && !rpmDbFound) {
    warn('no package database (dpkg, apk or rpm) was found in the rootfs');
  }

  packages.sort(comparePackages);
  return { distro, packages, warnings };
}

/** rpm packages of one database; problems other than cancellation become warnings (empty result). */
async function readRpmPackages(
  rel: string,
  dbPath: string,
  options: SbomOptions,
  warn: (message: string) => void,
): Promise<InstalledPackage[]> {
  if (options.runner === undefined) {
    warn(`rpm database at /${rel} was not read: no process runner was given`);
    return [];
  }
  try {
    return await readRpmDatabase(
      options.runner,
      dbPath,
      options.signal === undefined ? {} : { signal: options.signal },
    );
  } catch (err) {
    if (isLbeError(err) && err.code === 'LBE_BUILD_CANCELLED') throw err;
    warn(
      isLbeError(err) && err.code === 'LBE_BUILD_TOOL_MISSING'
        ? `rpm database at /${rel} was not read: the rpm tool is not installed on this host (apt package rpm)`
        : `rpm database at /${rel} could not be read: ${err instanceof Error ? err.message : String(err)}`,
    );
    return [];
  }
}

function comparePackages(a: InstalledPackage, b: InstalledPackage): number {
  return compareText(a.name, b.name) || compareText(a.arch, b.arch) || compareText(a.version, b.version);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `{name, version, arch}` of every installed package, for `manifest.json`; sorted by name. */
export async function listInstalledPackages(
  rootfsDir: string,
  options: SbomOptions = {},
): Promise<ManifestPackage[]> {
  const inventory = await readRootfsInventory(rootfsDir, options);
  return inventory.packages.map((p) => ({
    name: p.name,
    version: p.epoch === undefined ? p.version : `${p.epoch}:${p.version}`,
    arch: p.arch,
  }));
}

/** The SPDX 2.3 document of `rootfsDir` (see the module comment). */
export async function generateSbom(
  rootfsDir: string,
  meta: SbomMeta,
  options: SbomOptions = {},
): Promise<SpdxDocument> {
  const inventory = await readRootfsInventory(rootfsDir, options);
  return buildSpdxDocument(inventory, meta);
}

const ROOT_ID = 'SPDXRef-RootFilesystem';
const OS_ID = 'SPDXRef-OperatingSystem';

/** Pure part of generateSbom: inventory + meta → document. */
export function buildSpdxDocument(inventory: RootfsInventory, meta: SbomMeta): SpdxDocument {
  const distro = meta.distro ?? inventory.distro;
  const created = toSpdxTimestamp(meta.created);
  const usedIds = new Set<string>([ROOT_ID, OS_ID]);
  const packages: SpdxPackage[] = [
    {
      SPDXID: ROOT_ID,
      name: meta.name,
      supplier: 'NOASSERTION',
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      primaryPackagePurpose: 'CONTAINER',
    },
  ];
  const relationships: SpdxRelationship[] = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: ROOT_ID },
  ];
  if (distro !== undefined) {
    packages.push({
      SPDXID: OS_ID,
      name: distro.id,
      ...(distro.versionId === '' ? {} : { versionInfo: distro.versionId }),
      supplier: 'NOASSERTION',
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      primaryPackagePurpose: 'OPERATING-SYSTEM',
    });
    relationships.push({ spdxElementId: ROOT_ID, relationshipType: 'CONTAINS', relatedSpdxElement: OS_ID });
  }
  for (const pkg of inventory.packages) {
    const id = uniqueId(`SPDXRef-Package-${pkg.manager}-${pkg.name}-${pkg.arch}`, usedIds);
    packages.push({
      SPDXID: id,
      name: pkg.name,
      versionInfo: pkg.epoch === undefined ? pkg.version : `${pkg.epoch}:${pkg.version}`,
      supplier: spdxSupplier(pkg.maintainer),
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      ...(pkg.license === undefined ? {} : { comment: `License declared by the package: ${pkg.license}` }),
      externalRefs: [
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: installedPackageUrl(pkg, distro),
        },
      ],
    });
    relationships.push({ spdxElementId: ROOT_ID, relationshipType: 'CONTAINS', relatedSpdxElement: id });
  }
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: meta.name,
    documentNamespace: meta.documentNamespace,
    creationInfo: {
      created,
      creators: [`Tool: lbe-${meta.toolVersion ?? 'dev'}`],
      ...(inventory.warnings.length === 0 ? {} : { comment: inventory.warnings.join('\n') }),
    },
    packages,
    relationships,
  };
}

/** `Name <email>` → `Organization: Name (email)`; empty → NOASSERTION. */
export function spdxSupplier(maintainer: string | undefined): string {
  if (maintainer === undefined || maintainer.trim() === '') return 'NOASSERTION';
  const m = /^\s*(.*?)\s*<([^>]*)>\s*$/.exec(maintainer);
  const name = (m?.[1] ?? maintainer).replace(/[\r\n]+/g, ' ').trim();
  const email = m?.[2]?.trim();
  if (name === '') return email === undefined || email === '' ? 'NOASSERTION' : `Organization: ${email}`;
  return email === undefined || email === '' ? `Organization: ${name}` : `Organization: ${name} (${email})`;
}

function uniqueId(wanted: string, used: Set<string>): string {
  const base = wanted.replace(/[^A-Za-z0-9.-]/g, '-');
  let id = base;
  for (let n = 2; used.has(id); n += 1) id = `${base}-${n}`;
  used.add(id);
  return id;
}

function toSpdxTimestamp(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) {
    throw new LbeError('LBE_BUILD_EXPORT_FAILED', `SBOM creation time is not an ISO timestamp: ${iso}`);
  }
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
