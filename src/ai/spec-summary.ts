import type { NormalizedSpec } from '../spec/index.js';

const MAX_NAMES = 12;

function list(names: readonly string[]): string {
  if (names.length <= MAX_NAMES) return names.join(', ');
  return `${names.slice(0, MAX_NAMES).join(', ')} and ${names.length - MAX_NAMES} more`;
}

/**
 * A short, deterministic, human summary of what a spec will build, one fact per line: system, packages,
 * users, services, SSH, firewall, outputs. Generated from the spec alone (never from the model's prose),
 * so it says what will really be built.
 */
export function summarizeSpec(spec: NormalizedSpec): string {
  const lines: string[] = [];
  lines.push(`${spec.name}: ${spec.base} ${spec.release} (${spec.architecture}, ${spec.init})`);
  const packages = spec.packages.map((p) => (p.version === undefined ? p.name : `${p.name}=${p.version}`));
  lines.push(
    packages.length === 0
      ? 'Packages: none beyond the base'
      : `Packages (${packages.length}): ${list(packages)}`,
  );
  if (spec.users.length > 0) {
    const users = spec.users.map((u) => (u.sudo ? `${u.name} (sudo)` : u.name));
    lines.push(`Users (${spec.users.length}): ${list(users)}`);
  }
  const services = [...spec.services.enable, ...(spec.postInstall?.services ?? [])];
  if (services.length > 0) lines.push(`Services enabled: ${list([...new Set(services)])}`);
  const ssh = spec.securityFeatures.ssh;
  if (ssh?.enabled === true) {
    lines.push(
      `SSH on port ${ssh.port}, ${ssh.passwordAuthentication ? 'passwords allowed' : 'keys only'}${ssh.fail2ban ? ', fail2ban' : ''}`,
    );
  }
  const firewall = spec.securityFeatures.firewall;
  if (firewall?.enabled === true) {
    const rules = firewall.rules.map(
      (r) =>
        `${r.action} ${String(r.port)}/${r.protocol}${r.source === undefined ? '' : ` from ${r.source}`}`,
    );
    lines.push(
      `Firewall (${firewall.backend}, default ${firewall.policy}): ${rules.length === 0 ? 'no open ports' : list(rules)}`,
    );
  }
  const outputs = [
    spec.outputs.docker ? 'OCI image' : undefined,
    spec.outputs.iso ? 'live ISO' : undefined,
    spec.outputs.rootfs ? 'rootfs tarball' : undefined,
    spec.outputs.bootTest ? 'boot test' : undefined,
  ].filter((o): o is string => o !== undefined);
  lines.push(`Outputs: ${outputs.length === 0 ? 'none' : outputs.join(', ')}`);
  if (spec.base !== 'debian') {
    lines.push(
      `Note: only Debian builds are verified on this server; ${spec.base} recipes are generated but untested here`,
    );
  }
  return lines.join('\n');
}
