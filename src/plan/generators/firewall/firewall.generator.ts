import type { NormalizedSpec } from '../../../spec/spec.normalize.js';
import type { ImageFile, PackageWant, PlanFragment } from '../../plan-fragment.js';
import type { PlanIssue } from '../../plan.types.js';
import type { Recipe } from '../../recipe.types.js';
import { enabledSsh } from '../sshd.generator.js';
import { effectiveRules, enabledFirewall } from './firewall-rules.js';
import { renderIptablesRules } from './iptables.generator.js';
import { renderNftablesConfig } from './nftables.generator.js';
import { renderUfwConf, renderUfwDefaults, renderUfwUserRules } from './ufw.generator.js';

const ORIGIN = 'securityFeatures.firewall';

function file(imagePath: string, content: string, mode = '0644'): ImageFile {
  return { imagePath, content, encoding: 'utf8', mode, owner: 'root:root', origin: ORIGIN };
}

/**
 * The firewall for the chosen backend: its package, its rule files as the backend loads them at boot, and
 * its service. Nothing is applied during the build (the build has no netfilter of its own).
 */
export function planFirewall(spec: NormalizedSpec, recipe: Recipe): PlanFragment {
  const firewall = enabledFirewall(spec);
  if (firewall === undefined) return {};
  const { rules, warnings } = effectiveRules(firewall, enabledSsh(spec)?.port);
  const allWarnings: PlanIssue[] = [...warnings];
  const want = (name: string): PackageWant => ({ name, origin: `${ORIGIN}.backend` });

  switch (firewall.backend) {
    case 'nftables':
      return {
        files: [file('/etc/nftables.conf', renderNftablesConfig(firewall, rules), '0755')],
        packages: [want('nftables')],
        enable: [recipe.firewall.nftablesService],
        warnings: allWarnings,
      };
    case 'ufw':
      return {
        files: [
          file('/etc/ufw/user.rules', renderUfwUserRules(rules, 4), '0640'),
          file('/etc/ufw/user6.rules', renderUfwUserRules(rules, 6), '0640'),
          file('/etc/default/ufw', renderUfwDefaults(firewall)),
          file('/etc/ufw/ufw.conf', renderUfwConf()),
        ],
        packages: [want('ufw')],
        enable: [recipe.firewall.ufwService],
        warnings: allWarnings,
      };
    case 'iptables': {
      const ipt = recipe.firewall.iptables;
      if (ipt.services.length === 0) {
        allWarnings.push({
          path: `${ORIGIN}.backend`,
          message: `${spec.base} has no service that loads iptables rules at boot; the rules are written to ${ipt.rulesV4} but not loaded`,
        });
      }
      return {
        files: [
          file(ipt.rulesV4, renderIptablesRules(firewall, rules, 4), '0640'),
          file(ipt.rulesV6, renderIptablesRules(firewall, rules, 6), '0640'),
        ],
        packages: ipt.packages.map(want),
        enable: ipt.services,
        warnings: allWarnings,
      };
    }
  }
}
