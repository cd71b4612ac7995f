import type { NormalizedSpec } from '../../spec/spec.normalize.js';
import type { PlanFragment } from '../plan-fragment.js';

/**
 * /etc/lbe/build-info.json: what the image was built from. The plan hash cannot be inside the plan it
 * hashes, so the spec hash identifies the build input.
 */
export function planBuildInfo(spec: NormalizedSpec, specHash: string): PlanFragment {
  const info = {
    generator: 'lbe',
    planVersion: 1,
    name: spec.name,
    slug: spec.slug,
    base: spec.base,
    release: spec.release,
    architecture: spec.architecture,
    init: spec.init,
    specHash,
  };
  return {
    files: [
      {
        imagePath: '/etc/lbe/build-info.json',
        content: `${JSON.stringify(info, null, 2)}\n`,
        encoding: 'utf8',
        mode: '0644',
        owner: 'root:root',
        origin: 'build-info',
      },
    ],
  };
}
