import type { NormalizedSpec } from '../../spec/spec.normalize.js';
import type { PlanFragment } from '../plan-fragment.js';
import { lookupPackage, serviceNameFor } from '../package-map.js';
import type { Recipe } from '../recipe.types.js';

export const APPARMOR_KERNEL_PARAMS = ['apparmor=1', 'security=apparmor'] as const;

/**
 * Mandatory access control. AppArmor: parser and utilities, its service enabled, and the kernel parameters
 * recorded for the ISO's boot entry (an image cannot set them itself). SELinux is not configured by lbe
 * (its policy and file relabelling need a booted system): a warning says so.
 */
export function planMac(spec: NormalizedSpec, recipe: Recipe): PlanFragment {
  const mac = spec.securityFeatures.mac;
  const origin = 'securityFeatures.mac';
  const warnings = mac.includes('selinux')
    ? [
        {
          path: origin,
          message: 'SELinux is not configured by lbe; the image keeps its distribution default',
        },
      ]
    : [];
  if (!mac.includes('apparmor')) return { warnings };
  const available = lookupPackage('apparmor', spec.base, recipe.family).kind !== 'unavailable';
  return {
    packages: [
      { name: 'apparmor', origin },
      { name: 'apparmor-utils', origin },
    ],
    enable:
      available && (spec.init === 'systemd' || spec.init === 'openrc')
        ? [serviceNameFor('apparmor', recipe.family) ?? 'apparmor']
        : [],
    kernelParams: available ? [...APPARMOR_KERNEL_PARAMS] : [],
    warnings,
  };
}
