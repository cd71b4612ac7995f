export {
  buildSpdxDocument,
  generateSbom,
  listInstalledPackages,
  readRootfsInventory,
  spdxSupplier,
  type ManifestPackage,
  type RootfsInventory,
  type SbomMeta,
  type SbomOptions,
} from './sbom.generator.js';
export { validateSpdxDocument } from './spdx-document.validator.js';
export { installedPackageUrl, packageUrl } from './package-url.codec.js';
export type { DistroInfo, InstalledPackage, PackageManager } from './installed-package.types.js';
export type { SpdxDocument, SpdxExternalRef, SpdxPackage, SpdxRelationship } from './spdx.types.js';
