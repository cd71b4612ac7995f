import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseApkInstalled } from './apk-installed.parser.js';
import { parseDeb822 } from './deb822.parser.js';
import { parseDpkgStatus } from './dpkg-status.parser.js';
import { distroFromOsRelease } from './os-release.parser.js';
import { packageUrl } from './package-url.codec.js';
import { spdxSupplier } from './sbom.generator.js';
import { validateSpdxDocument } from './spdx-document.validator.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('parseDeb822', () => {
  it('keeps multi-line fields together and does not let them leak into other fields', () => {
    const [p] = parseDeb822(
      'Package: foo\nDescription: short\n long line one\n .\n line two\nConffiles:\n /etc/foo abc\nVersion: 1.0\n',
    );
    expect(p?.get('description')).toBe('short\nlong line one\n.\nline two');
    expect(p?.get('conffiles')).toBe('\n/etc/foo abc');
    expect(p?.get('version')).toBe('1.0');
  });
});

describe('parseDpkgStatus with the real status fixture', () => {
  it('skips config-files entries and keeps epochs and source names', async () => {
    const pkgs = parseDpkgStatus(await readFile(path.join(fixtures, 'dpkg-status'), 'utf8'));
    expect(pkgs.map((p) => p.name)).not.toContain('passwd');
    expect(pkgs).toHaveLength(8);
    expect(pkgs.find((p) => p.name === 'login')).toEqual({
      manager: 'deb',
      name: 'login',
      version: '1:4.13+dfsg1-1+deb12u2',
      arch: 'amd64',
      maintainer: 'Shadow package maintainers <pkg-shadow-devel@lists.alioth.debian.org>',
      source: 'shadow',
    });
    expect(pkgs.find((p) => p.name === 'bash')?.source).toBe('bash');
  });

  it('does not count half-installed or unpacked packages', () => {
    const text =
      'Package: a\nStatus: install ok unpacked\nVersion: 1\nArchitecture: amd64\n\n' +
      'Package: b\nStatus: install ok half-configured\nVersion: 1\n\n' +
      'Package: c\nStatus: install ok installed\nVersion: 2\nArchitecture: all\n';
    expect(parseDpkgStatus(text).map((p) => p.name)).toEqual(['c']);
  });
});

describe('parseApkInstalled', () => {
  it('reads package fields and ignores the file lines', async () => {
    const pkgs = parseApkInstalled(await readFile(path.join(fixtures, 'apk-installed'), 'utf8'));
    expect(pkgs.map((p) => `${p.name}@${p.version}`)).toEqual([
      'musl@1.2.4_git20230717-r4',
      'busybox@1.36.1-r15',
      'alpine-baselayout@3.4.3-r2',
      'ca-certificates-bundle@20240226-r0',
    ]);
    expect(pkgs[3]).toMatchObject({ license: 'MPL-2.0 AND MIT', source: 'ca-certificates', arch: 'x86_64' });
  });
});

describe('distroFromOsRelease', () => {
  it('unquotes values and tolerates rolling releases', () => {
    expect(distroFromOsRelease('ID="debian"\nVERSION_ID="12"\n')).toEqual({ id: 'debian', versionId: '12' });
    expect(distroFromOsRelease('# c\nID=arch\nBUILD_ID=rolling\n')).toEqual({ id: 'arch', versionId: '' });
    expect(distroFromOsRelease('NAME=x\n')).toBeUndefined();
  });
});

describe('packageUrl', () => {
  it('follows the purl spec examples and encodes reserved characters', () => {
    expect(
      packageUrl({
        type: 'deb',
        namespace: 'debian',
        name: 'curl',
        version: '7.50.3-1',
        qualifiers: { distro: 'jessie', arch: 'i386' },
      }),
    ).toBe('pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie');
    expect(packageUrl({ type: 'deb', namespace: 'debian', name: 'libstdc++6', version: '12.2.0-14' })).toBe(
      'pkg:deb/debian/libstdc++6@12.2.0-14',
    );
    expect(packageUrl({ type: 'generic', name: 'a b', version: '1@2#3?', qualifiers: { x: 'a&b=c' } })).toBe(
      'pkg:generic/a%20b@1%402%233%3F?x=a%26b%3Dc',
    );
  });
});

describe('spdxSupplier', () => {
  it('maps maintainers to SPDX supplier syntax', () => {
    expect(spdxSupplier('GNU Libc Maintainers <debian-glibc@lists.debian.org>')).toBe(
      'Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)',
    );
    expect(spdxSupplier('Fedora Project')).toBe('Organization: Fedora Project');
    expect(spdxSupplier(undefined)).toBe('NOASSERTION');
    expect(spdxSupplier('  ')).toBe('NOASSERTION');
  });
});

describe('validateSpdxDocument', () => {
  it('reports missing required fields, bad ids and dangling relationships with their paths', () => {
    const problems = validateSpdxDocument({
      spdxVersion: 'SPDX-2.2',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: 'x',
      documentNamespace: 'not a uri',
      creationInfo: { created: '2024-01-01T00:00:00.000Z', creators: ['lbe'] },
      packages: [{ SPDXID: 'SPDXRef-a_b', name: 'a', downloadLocation: 'NOASSERTION' }],
      relationships: [
        { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-x' },
      ],
    });
    expect(problems).toEqual([
      '$.spdxVersion: must be SPDX-2.3',
      '$.documentNamespace: must be an absolute URI without #',
      '$.creationInfo.created: must be YYYY-MM-DDThh:mm:ssZ',
      '$.creationInfo.creators[0]: must start with Tool:, Organization: or Person:',
      '$.packages[0].SPDXID: invalid SPDX identifier SPDXRef-a_b',
      '$.packages[0].filesAnalyzed: true (the default) requires packageVerificationCode',
      '$.relationships[0].relatedSpdxElement: unknown element SPDXRef-x',
    ]);
  });
});
