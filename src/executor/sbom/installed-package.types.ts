/** The package managers whose databases `lbe` reads from a built root filesystem. */
export type PackageManager = 'deb' | 'apk' | 'rpm';

/** One installed package as read from the rootfs package database (not from the plan). */
export interface InstalledPackage {
  readonly manager: PackageManager;
  readonly name: string;
  /**
   * Version as the package manager prints it: deb with its epoch (`1:1.2.13.dfsg-1`), apk as is
   * (`1.36.1-r15`), rpm as `VERSION-RELEASE` with the epoch apart in `epoch` (the purl convention).
   */
  readonly version: string;
  /** `amd64`/`all` for deb, `x86_64`/`noarch` for apk and rpm. */
  readonly arch: string;
  /** Raw maintainer/packager string, e.g. `GNU Libc Maintainers <debian-glibc@lists.debian.org>`. */
  readonly maintainer?: string;
  /** Source package name (deb `Source:`, apk `o:`, rpm `SOURCERPM`), without a version. */
  readonly source?: string;
  /** The package's own license string (apk `L:`, rpm `LICENSE`); dpkg has none in its database. */
  readonly license?: string;
  /** rpm epoch, kept apart because rpm purls carry it as a qualifier. */
  readonly epoch?: string;
}

/** The distribution, from `etc/os-release` (`ID`, `VERSION_ID`). */
export interface DistroInfo {
  readonly id: string;
  readonly versionId: string;
}
