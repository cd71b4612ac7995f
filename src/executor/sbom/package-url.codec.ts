import type { DistroInfo, InstalledPackage } from './installed-package.types.js';

/**
 * Builds package URLs (purl, https://github.com/package-url/purl-spec) for OS packages:
 * `pkg:deb/debian/nginx@1.22.1-9?arch=amd64&distro=debian-12`, `pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64…`,
 * `pkg:rpm/fedora/bash@5.2.26-3.fc40?arch=x86_64&epoch=1&distro=fedora-40`.
 * Encoding: each component is percent-encoded except unreserved characters; `:` is never encoded (the spec
 * says so) and `+` is left as is (it is legal in the path and common in Debian versions — the same choice
 * as packageurl-js and syft). Qualifier keys are sorted, as the spec's canonical form requires, and empty
 * qualifier values are left out.
 */
export function packageUrl(parts: {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  qualifiers?: Readonly<Record<string, string | undefined>>;
}): string {
  let purl = `pkg:${parts.type.toLowerCase()}/`;
  if (parts.namespace !== undefined && parts.namespace !== '') {
    purl += `${parts.namespace.split('/').map(encodeComponent).join('/')}/`;
  }
  purl += encodeComponent(parts.name);
  if (parts.version !== undefined && parts.version !== '') purl += `@${encodeComponent(parts.version)}`;
  const qualifiers = Object.entries(parts.qualifiers ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k.toLowerCase()}=${encodeComponent(v)}`);
  if (qualifiers.length > 0) purl += `?${qualifiers.join('&')}`;
  return purl;
}

function encodeComponent(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%2B/gi, '+');
}

/**
 * The purl of an installed OS package. Namespace: the distro id (`debian`, `ubuntu`, `alpine`, `fedora`…),
 * falling back to the manager's home distro when os-release was unreadable. `distro` qualifier:
 * `<id>-<versionId>` (just `<id>` for rolling releases without VERSION_ID).
 */
export function installedPackageUrl(pkg: InstalledPackage, distro: DistroInfo | undefined): string {
  const fallback = { deb: 'debian', apk: 'alpine', rpm: 'rpm' }[pkg.manager];
  const namespace = distro?.id ?? fallback;
  const distroQualifier =
    distro === undefined
      ? undefined
      : distro.versionId === ''
        ? distro.id
        : `${distro.id}-${distro.versionId}`;
  return packageUrl({
    type: pkg.manager,
    namespace,
    name: pkg.name,
    version: pkg.version,
    qualifiers: {
      arch: pkg.arch,
      distro: distroQualifier,
      epoch: pkg.epoch,
      upstream: pkg.source !== undefined && pkg.source !== pkg.name ? pkg.source : undefined,
    },
  });
}
