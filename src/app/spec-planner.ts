import type { SpecPlanner } from '../builds/build.service.js';
import { plan } from '../plan/index.js';

/** The build service's planner: the real `plan()`, reduced to what submit needs (hash and warnings). */
export const planSpec: SpecPlanner = (spec) => {
  const built = plan(spec);
  return { hash: built.hash, warnings: built.warnings };
};
