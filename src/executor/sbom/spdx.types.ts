/**
 * The subset of SPDX 2.3 (JSON serialisation) that `lbe` writes to `sbom.spdx.json`.
 * Field names and value formats follow https://spdx.github.io/spdx-spec/v2.3/ exactly, so the document is
 * readable by any SPDX 2.3 consumer. `NOASSERTION` is written where the rootfs does not tell us a value.
 */

export type SpdxNoAssertion = 'NOASSERTION';

export interface SpdxExternalRef {
  readonly referenceCategory: 'PACKAGE-MANAGER' | 'SECURITY' | 'PERSISTENT-ID' | 'OTHER';
  /** `purl` for PACKAGE-MANAGER refs. */
  readonly referenceType: string;
  readonly referenceLocator: string;
}

export interface SpdxPackage {
  /** `SPDXRef-` followed by letters, digits, `.` and `-` only; unique within the document. */
  readonly SPDXID: string;
  readonly name: string;
  readonly versionInfo?: string;
  /** `Organization: NAME (EMAIL)`, `Person: …`, or NOASSERTION. */
  readonly supplier?: string;
  readonly downloadLocation: string;
  readonly filesAnalyzed: boolean;
  readonly licenseConcluded: string;
  readonly licenseDeclared: string;
  readonly copyrightText: string;
  readonly primaryPackagePurpose?: 'CONTAINER' | 'OPERATING-SYSTEM' | 'LIBRARY' | 'APPLICATION' | 'OTHER';
  /** Where the SPDX license expression could not be trusted, the package's own license string. */
  readonly comment?: string;
  readonly externalRefs?: readonly SpdxExternalRef[];
}

export interface SpdxRelationship {
  readonly spdxElementId: string;
  readonly relationshipType: 'DESCRIBES' | 'CONTAINS';
  readonly relatedSpdxElement: string;
}

export interface SpdxDocument {
  readonly spdxVersion: 'SPDX-2.3';
  readonly dataLicense: 'CC0-1.0';
  readonly SPDXID: 'SPDXRef-DOCUMENT';
  readonly name: string;
  readonly documentNamespace: string;
  readonly creationInfo: {
    /** `YYYY-MM-DDThh:mm:ssZ` (SPDX wants UTC without fractional seconds). */
    readonly created: string;
    readonly creators: readonly string[];
    /** Warnings about what could not be read (e.g. an rpm database without the rpm tool). */
    readonly comment?: string;
  };
  readonly packages: readonly SpdxPackage[];
  readonly relationships: readonly SpdxRelationship[];
}
