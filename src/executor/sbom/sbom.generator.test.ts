import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeProcessRunner, type ProcessRunner } from '../process/process-runner.js';
import { generateSbom, listInstalledPackages, readRootfsInventory } from './sbom.generator.js';
import { validateSpdxDocument } from './spdx-document.validator.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const meta = {
  name: 'lbe/web:0123456789ab',
  documentNamespace: 'https://lbe.invalid/spdx/build-1',
  created: new Date(1_700_000_000 * 1000).toISOString(),
  toolVersion: '0.1.0',
};
const tempDirs: string[] = [];

async function makeRootfs(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lbe-sbom-'));
  tempDirs.push(dir);
  for (const [rel, fixture] of Object.entries(files)) {
    await mkdir(path.join(dir, path.dirname(rel)), { recursive: true });
    await cp(path.join(fixtures, fixture), path.join(dir, rel));
  }
  return dir;
}

afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('generateSbom on a Debian rootfs (real dpkg status from a bookworm host)', () => {
  it('lists exactly the installed packages, with purls, suppliers and relationships', async () => {
    const rootfs = await makeRootfs({
      'var/lib/dpkg/status': 'dpkg-status',
      'etc/os-release': 'os-release-debian',
    });
    const doc = await generateSbom(rootfs, meta);
    expect(validateSpdxDocument(doc)).toEqual([]);
    expect(doc.creationInfo).toEqual({ created: '2023-11-14T22:13:20Z', creators: ['Tool: lbe-0.1.0'] });

    const names = doc.packages.map((p) => p.name);
    // root + OS + 8 installed; `passwd` is `deinstall ok config-files` and must not appear.
    expect(names).toEqual([
      'lbe/web:0123456789ab',
      'debian',
      'base-files',
      'bash',
      'coreutils',
      'libc6',
      'libssl3',
      'login',
      'tzdata',
      'zlib1g',
    ]);
    const zlib = doc.packages.find((p) => p.name === 'zlib1g');
    expect(zlib).toMatchObject({
      versionInfo: '1:1.2.13.dfsg-1',
      supplier: 'Organization: Mark Brown (broonie@debian.org)',
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
    });
    expect(zlib?.externalRefs?.[0]).toEqual({
      referenceCategory: 'PACKAGE-MANAGER',
      referenceType: 'purl',
      referenceLocator: 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib',
    });
    const bash = doc.packages.find((p) => p.name === 'bash');
    // `Source: bash (5.2.15-2)` is the package itself: no upstream qualifier.
    expect(bash?.externalRefs?.[0]?.referenceLocator).toBe(
      'pkg:deb/debian/bash@5.2.15-2+b8?arch=amd64&distro=debian-12',
    );
    expect(doc.packages.find((p) => p.name === 'tzdata')?.externalRefs?.[0]?.referenceLocator).toBe(
      'pkg:deb/debian/tzdata@2025b-0+deb12u2?arch=all&distro=debian-12',
    );

    const describes = doc.relationships.filter((r) => r.relationshipType === 'DESCRIBES');
    expect(describes).toEqual([
      {
        spdxElementId: 'SPDXRef-DOCUMENT',
        relationshipType: 'DESCRIBES',
        relatedSpdxElement: 'SPDXRef-RootFilesystem',
      },
    ]);
    expect(doc.relationships.filter((r) => r.relationshipType === 'CONTAINS')).toHaveLength(9);
  });

  it('is deterministic: the same rootfs and meta give byte-identical JSON', async () => {
    const rootfs = await makeRootfs({
      'var/lib/dpkg/status': 'dpkg-status',
      'etc/os-release': 'os-release-debian',
    });
    const a = JSON.stringify(await generateSbom(rootfs, meta));
    const b = JSON.stringify(await generateSbom(rootfs, meta));
    expect(a).toBe(b);
  });

  it('follows an absolute os-release symlink inside the rootfs, never to the host', async () => {
    const rootfs = await makeRootfs({
      'var/lib/dpkg/status': 'dpkg-status',
      'usr/lib/os-release': 'os-release-alpine',
    });
    await mkdir(path.join(rootfs, 'etc'), { recursive: true });
    await symlink('/usr/lib/os-release', path.join(rootfs, 'etc/os-release'));
    const inventory = await readRootfsInventory(rootfs);
    // The host is Debian; the rootfs' own file says alpine.
    expect(inventory.distro).toEqual({ id: 'alpine', versionId: '3.19.1' });
  });
});

describe('generateSbom on an Alpine rootfs (real-shaped apk installed db)', () => {
  it('reads apk records, their maintainers and licenses', async () => {
    const rootfs = await makeRootfs({
      'lib/apk/db/installed': 'apk-installed',
      'etc/os-release': 'os-release-alpine',
    });
    const doc = await generateSbom(rootfs, meta);
    expect(validateSpdxDocument(doc)).toEqual([]);
    const musl = doc.packages.find((p) => p.name === 'musl');
    expect(musl).toMatchObject({
      versionInfo: '1.2.4_git20230717-r4',
      supplier: 'Organization: Natanael Copa (ncopa@alpinelinux.org)',
      comment: 'License declared by the package: MIT',
    });
    expect(musl?.externalRefs?.[0]?.referenceLocator).toBe(
      'pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1',
    );
    expect(
      doc.packages.find((p) => p.name === 'ca-certificates-bundle')?.externalRefs?.[0]?.referenceLocator,
    ).toBe(
      'pkg:apk/alpine/ca-certificates-bundle@20240226-r0?arch=x86_64&distro=alpine-3.19.1&upstream=ca-certificates',
    );
    expect(await listInstalledPackages(rootfs)).toEqual([
      { name: 'alpine-baselayout', version: '3.4.3-r2', arch: 'x86_64' },
      { name: 'busybox', version: '1.36.1-r15', arch: 'x86_64' },
      { name: 'ca-certificates-bundle', version: '20240226-r0', arch: 'x86_64' },
      { name: 'musl', version: '1.2.4_git20230717-r4', arch: 'x86_64' },
    ]);
  });
});

describe('rpm databases', () => {
  it('warns clearly when the host cannot read an rpm database', async () => {
    const rootfs = await makeRootfs({ 'etc/os-release': 'os-release-alpine' });
    await mkdir(path.join(rootfs, 'var/lib/rpm'), { recursive: true });
    await writeFile(path.join(rootfs, 'var/lib/rpm/rpmdb.sqlite'), 'not a database');
    const warnings: string[] = [];
    const doc = await generateSbom(rootfs, meta, {
      runner: new NodeProcessRunner(),
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings).toHaveLength(1);
    // Without rpm on the host: "not installed"; with rpm: the garbage database cannot be read.
    expect(warnings[0]).toMatch(
      /^rpm database at \/var\/lib\/rpm (was not read: the rpm tool is not installed|could not be read)/,
    );
    expect(doc.creationInfo.comment).toBe(warnings[0]);
    expect(validateSpdxDocument(doc)).toEqual([]);
  });

  it('reads packages through `rpm --dbpath … --queryformat` (rpm speaks its query format)', async () => {
    const rootfs = await makeRootfs({});
    await mkdir(path.join(rootfs, 'usr/lib/sysimage/rpm'), { recursive: true });
    await writeFile(path.join(rootfs, 'usr/lib/sysimage/rpm/rpmdb.sqlite'), '');
    await mkdir(path.join(rootfs, 'etc'));
    await writeFile(path.join(rootfs, 'etc/os-release'), 'ID=fedora\nVERSION_ID=40\n');
    const calls: string[][] = [];
    // rpm is not installed on this host, so its output is played back from a real Fedora 40 query.
    const runner: ProcessRunner = {
      run: (command, args) => {
        calls.push([command, ...args]);
        return Promise.resolve({
          exitCode: 0,
          stdout:
            'bash\t(none)\t5.2.26-3.fc40\tx86_64\tFedora Project\tFedora Project\tGPL-3.0-or-later\tbash-5.2.26-3.fc40.src.rpm\n' +
            'gpg-pubkey\t(none)\ta15b79cc-63d04c2c\t(none)\t(none)\t(none)\tpubkey\t(none)\n' +
            'shadow-utils\t2\t4.15.1-2.fc40\tx86_64\tFedora Project\tFedora Project\tBSD-3-Clause AND GPL-2.0-or-later\tshadow-utils-4.15.1-2.fc40.src.rpm\n',
          tail: [],
          durationMs: 1,
        });
      },
    };
    const doc = await generateSbom(rootfs, meta, { runner });
    expect(calls[0]?.slice(0, 5)).toEqual([
      'rpm',
      '--dbpath',
      path.join(rootfs, 'usr/lib/sysimage/rpm'),
      '--query',
      '--all',
    ]);
    expect(validateSpdxDocument(doc)).toEqual([]);
    const shadow = doc.packages.find((p) => p.name === 'shadow-utils');
    expect(shadow?.versionInfo).toBe('2:4.15.1-2.fc40');
    expect(shadow?.externalRefs?.[0]?.referenceLocator).toBe(
      'pkg:rpm/fedora/shadow-utils@4.15.1-2.fc40?arch=x86_64&distro=fedora-40&epoch=2',
    );
    expect(shadow?.supplier).toBe('Organization: Fedora Project');
    expect(doc.packages.some((p) => p.name === 'gpg-pubkey')).toBe(false);
  });
});

describe('a rootfs without any package database', () => {
  it('produces a valid document with a warning', async () => {
    const rootfs = await makeRootfs({ 'etc/os-release': 'os-release-debian' });
    const doc = await generateSbom(rootfs, meta);
    expect(validateSpdxDocument(doc)).toEqual([]);
    expect(doc.creationInfo.comment).toBe('no package database (dpkg, apk or rpm) was found in the rootfs');
  });
});
