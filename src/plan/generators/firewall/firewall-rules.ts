import { isIP } from 'node:net';
import type { NormalizedSpec } from '../../../spec/spec.normalize.js';
import type { PlanIssue } from '../../plan.types.js';

export type FirewallSettings = NonNullable<NormalizedSpec['securityFeatures']['firewall']>;
type SpecRule = FirewallSettings['rules'][number];

/** A firewall rule in backend-neutral form. Every field is validated by the schema. */
export interface FirewallRule {
  readonly fromPort: number;
  readonly toPort: number;
  readonly protocols: readonly ('tcp' | 'udp')[];
  readonly action: 'allow' | 'deny' | 'reject';
  /** Address or CIDR and its IP family. */
  readonly source?: { readonly address: string; readonly family: 4 | 6 };
  readonly comment?: string;
}

/** The firewall settings when a firewall is wanted, else undefined. */
export function enabledFirewall(spec: NormalizedSpec): FirewallSettings | undefined {
  const firewall = spec.securityFeatures.firewall;
  return firewall?.enabled === true ? firewall : undefined;
}

export function toFirewallRule(rule: SpecRule): FirewallRule {
  const [from, to] =
    typeof rule.port === 'number' ? [rule.port, rule.port] : rule.port.split(':').map(Number);
  const address = rule.source;
  return {
    fromPort: from ?? 0,
    toPort: to ?? from ?? 0,
    protocols: rule.protocol === 'both' ? ['tcp', 'udp'] : [rule.protocol],
    action: rule.action,
    ...(address === undefined
      ? {}
      : { source: { address, family: isIP(address.split('/')[0] ?? '') === 6 ? 6 : 4 } }),
    ...(rule.comment === undefined || rule.comment === '' ? {} : { comment: rule.comment }),
  };
}

/**
 * The rules to render, in the user's order. When SSH is enabled and no rule already allows its TCP port,
 * an allow rule for it goes first (with a warning), so a default-deny policy cannot lock the owner out.
 * A user rule that allows the port from some source only counts: their restriction is respected.
 */
export function effectiveRules(
  firewall: FirewallSettings,
  sshPort: number | undefined,
): { rules: FirewallRule[]; warnings: PlanIssue[] } {
  const rules = firewall.rules.map(toFirewallRule);
  if (sshPort === undefined || firewall.policy === 'allow') return { rules, warnings: [] };
  const covered = rules.some(
    (r) =>
      r.action === 'allow' && r.protocols.includes('tcp') && r.fromPort <= sshPort && sshPort <= r.toPort,
  );
  if (covered) return { rules, warnings: [] };
  return {
    rules: [
      { fromPort: sshPort, toPort: sshPort, protocols: ['tcp'], action: 'allow', comment: 'ssh' },
      ...rules,
    ],
    warnings: [
      {
        path: 'securityFeatures.firewall.rules',
        message: `no rule allows the SSH port ${sshPort}/tcp; lbe allows it so that the server stays reachable`,
      },
    ],
  };
}
