import type { Base } from '../spec/spec.schema.js';
import type { PackageWant } from './plan-fragment.js';
import type { PlanIssue, ResolvedPackages } from './plan.types.js';
import type { Recipe } from './recipe.types.js';
import { lookupPackage } from './package-map.js';

/**
 * Maps wanted packages to distro package names for `base`: abstract names through the package map,
 * unknown names unchanged; pins translated to the manager's syntax (warned and dropped where it has none);
 * duplicates removed (first position wins; a pinned duplicate upgrades an unpinned one); unavailable names
 * collected with a warning each. Pure.
 */
export function resolvePackages(
  wants: readonly PackageWant[],
  base: Base,
  recipe: Recipe,
): { packages: ResolvedPackages; warnings: PlanIssue[] } {
  const order: string[] = [];
  const pinned = new Map<string, string>();
  const unavailable = new Map<string, string>();
  const warnings: PlanIssue[] = [];

  for (const want of wants) {
    const found = lookupPackage(want.name, base, recipe.family);
    if (found.kind === 'unavailable') {
      if (!unavailable.has(want.name)) {
        unavailable.set(want.name, found.reason);
        warnings.push({
          path: want.origin,
          message: `${want.name} is unavailable on ${base}: ${found.reason}`,
        });
      }
      continue;
    }
    let version = want.version;
    if (version !== undefined && found.packages.length !== 1) {
      warnings.push({
        path: want.origin,
        message: `${want.name} maps to ${found.packages.length} packages on ${base}; its pin =${version} is ignored`,
      });
      version = undefined;
    }
    for (const name of found.packages) {
      let word = name;
      if (version !== undefined) {
        const pin = recipe.pin(name, version);
        if (pin === undefined) {
          warnings.push({
            path: want.origin,
            message: `${base}'s package manager cannot pin versions; ${name} is installed unpinned`,
          });
        } else word = pin;
      }
      const existing = pinned.get(name);
      if (existing === undefined) {
        order.push(name);
        pinned.set(name, word);
      } else if (existing === name && word !== name) {
        pinned.set(name, word);
      } else if (existing !== word && word !== name) {
        warnings.push({
          path: want.origin,
          message: `${name} is pinned twice (${existing}, ${word}); the first pin is kept`,
        });
      }
    }
  }

  return {
    packages: {
      install: order.map((name) => pinned.get(name) ?? name),
      unavailable: [...unavailable].map(([name, reason]) => ({ name, reason })),
    },
    warnings,
  };
}
