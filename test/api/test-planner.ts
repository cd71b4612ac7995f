import { planSpec } from '../../src/app/spec-planner.js';
import type { SpecPlanner } from '../../src/builds/build.service.js';

/** The real planner (`plan()`); async so callers keep one shape if it ever needs loading. */
export function loadPlanner(): Promise<SpecPlanner> {
  return Promise.resolve(planSpec);
}
