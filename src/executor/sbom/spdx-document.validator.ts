/**
 * Structural check of an SPDX 2.3 JSON document against the spec's required fields and value formats
 * (no JSON schema is vendored; this covers what consumers rely on). Returns the problems, each with a JSON
 * path; an empty list means valid. Checks: document header fields and constants, creationInfo (created in
 * `YYYY-MM-DDThh:mm:ssZ`, creators `Tool:|Organization:|Person:`), every package's required fields,
 * SPDXID syntax and uniqueness, supplier syntax, purl locators, relationships pointing at known elements,
 * and at least one DESCRIBES from the document.
 */
export function validateSpdxDocument(doc: unknown): string[] {
  const problems: string[] = [];
  const fail = (path: string, message: string): void => {
    problems.push(`${path}: ${message}`);
  };
  if (!isRecord(doc)) return ['$: not an object'];

  expectConst(doc, 'spdxVersion', 'SPDX-2.3', fail);
  expectConst(doc, 'dataLicense', 'CC0-1.0', fail);
  expectConst(doc, 'SPDXID', 'SPDXRef-DOCUMENT', fail);
  expectString(doc, 'name', '$', fail);
  if (expectString(doc, 'documentNamespace', '$', fail)) {
    const ns = doc.documentNamespace as string;
    if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(ns) || ns.includes('#')) {
      fail('$.documentNamespace', 'must be an absolute URI without #');
    }
  }
  const ci = doc.creationInfo;
  if (!isRecord(ci)) fail('$.creationInfo', 'missing');
  else {
    if (typeof ci.created !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(ci.created)) {
      fail('$.creationInfo.created', 'must be YYYY-MM-DDThh:mm:ssZ');
    }
    if (!Array.isArray(ci.creators) || ci.creators.length === 0) {
      fail('$.creationInfo.creators', 'must be a non-empty array');
    } else {
      ci.creators.forEach((c: unknown, i) => {
        if (typeof c !== 'string' || !/^(Tool|Organization|Person): \S/.test(c)) {
          fail(`$.creationInfo.creators[${i}]`, 'must start with Tool:, Organization: or Person:');
        }
      });
    }
  }

  const ids = new Set<string>(['SPDXRef-DOCUMENT']);
  if (!Array.isArray(doc.packages)) fail('$.packages', 'must be an array');
  else {
    doc.packages.forEach((pkg: unknown, i) => {
      const at = `$.packages[${i}]`;
      if (!isRecord(pkg)) {
        fail(at, 'not an object');
        return;
      }
      if (expectString(pkg, 'SPDXID', at, fail)) {
        const id = pkg.SPDXID as string;
        if (!/^SPDXRef-[A-Za-z0-9.-]+$/.test(id)) fail(`${at}.SPDXID`, `invalid SPDX identifier ${id}`);
        if (ids.has(id)) fail(`${at}.SPDXID`, `duplicate ${id}`);
        ids.add(id);
      }
      expectString(pkg, 'name', at, fail);
      expectString(pkg, 'downloadLocation', at, fail);
      if (pkg.filesAnalyzed !== undefined && typeof pkg.filesAnalyzed !== 'boolean') {
        fail(`${at}.filesAnalyzed`, 'must be a boolean');
      }
      if (pkg.filesAnalyzed !== false && pkg.packageVerificationCode === undefined) {
        fail(`${at}.filesAnalyzed`, 'true (the default) requires packageVerificationCode');
      }
      if (
        pkg.supplier !== undefined &&
        (typeof pkg.supplier !== 'string' ||
          !/^(NOASSERTION|(Organization|Person): \S.*)$/.test(pkg.supplier))
      ) {
        fail(`${at}.supplier`, 'must be NOASSERTION, Organization: … or Person: …');
      }
      for (const key of ['versionInfo', 'licenseConcluded', 'licenseDeclared', 'copyrightText'] as const) {
        if (pkg[key] !== undefined && typeof pkg[key] !== 'string') fail(`${at}.${key}`, 'must be a string');
      }
      if (pkg.externalRefs !== undefined) {
        if (!Array.isArray(pkg.externalRefs)) fail(`${at}.externalRefs`, 'must be an array');
        else {
          pkg.externalRefs.forEach((ref: unknown, j) => {
            const rat = `${at}.externalRefs[${j}]`;
            if (!isRecord(ref)) {
              fail(rat, 'not an object');
              return;
            }
            if (
              !['SECURITY', 'PACKAGE-MANAGER', 'PERSISTENT-ID', 'OTHER'].includes(
                String(ref.referenceCategory),
              )
            ) {
              fail(`${rat}.referenceCategory`, 'unknown category');
            }
            expectString(ref, 'referenceType', rat, fail);
            if (expectString(ref, 'referenceLocator', rat, fail) && ref.referenceType === 'purl') {
              if (!/^pkg:[a-z.+-]+\/[^\s]+$/.test(ref.referenceLocator as string)) {
                fail(`${rat}.referenceLocator`, 'not a package URL');
              }
            }
          });
        }
      }
    });
  }

  let describes = 0;
  if (!Array.isArray(doc.relationships)) fail('$.relationships', 'must be an array');
  else {
    doc.relationships.forEach((rel: unknown, i) => {
      const at = `$.relationships[${i}]`;
      if (!isRecord(rel)) {
        fail(at, 'not an object');
        return;
      }
      for (const key of ['spdxElementId', 'relatedSpdxElement'] as const) {
        const ref = rel[key];
        if (typeof ref !== 'string') fail(`${at}.${key}`, 'must be a string');
        else if (!ids.has(ref) && ref !== 'NONE' && ref !== 'NOASSERTION')
          fail(`${at}.${key}`, `unknown element ${ref}`);
      }
      if (typeof rel.relationshipType !== 'string' || !/^[A-Z_]+$/.test(rel.relationshipType)) {
        fail(`${at}.relationshipType`, 'must be an SPDX relationship type');
      }
      if (rel.spdxElementId === 'SPDXRef-DOCUMENT' && rel.relationshipType === 'DESCRIBES') describes += 1;
    });
  }
  if (describes === 0 && !Array.isArray(doc.documentDescribes)) {
    fail('$.relationships', 'the document must DESCRIBE at least one element');
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectConst(
  obj: Record<string, unknown>,
  key: string,
  value: string,
  fail: (path: string, message: string) => void,
): void {
  if (obj[key] !== value) fail(`$.${key}`, `must be ${value}`);
}

function expectString(
  obj: Record<string, unknown>,
  key: string,
  at: string,
  fail: (path: string, message: string) => void,
): boolean {
  const v = obj[key];
  if (typeof v !== 'string' || v === '') {
    fail(`${at}.${key}`, 'must be a non-empty string');
    return false;
  }
  return true;
}
