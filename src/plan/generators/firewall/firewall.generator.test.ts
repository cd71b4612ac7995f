import { describe, expect, it } from 'vitest';
import { debianRecipe } from '../../recipes/debian.recipe.js';
import { opensuseRecipe } from '../../recipes/opensuse.recipe.js';
import { specOf } from '../../testing/spec.fixture.js';
import { effectiveRules, enabledFirewall } from './firewall-rules.js';
import { planFirewall } from './firewall.generator.js';
import { renderIptablesRules } from './iptables.generator.js';
import { renderNftablesConfig } from './nftables.generator.js';
import { renderUfwUserRules } from './ufw.generator.js';

const firewallSpec = (firewall: Record<string, unknown>) =>
  specOf({ securityFeatures: { firewall, ssh: {} } });

describe('nftables', () => {
  it('contains the rule ports, sources, ranges and the policy', () => {
    const spec = firewallSpec({
      policy: 'deny',
      rules: [
        { port: 80 },
        { port: '8000:8100', protocol: 'udp' },
        { port: 5432, source: '10.0.0.0/8' },
        { port: 53, protocol: 'both', source: '2001:db8::/32', action: 'reject' },
      ],
    });
    const fw = enabledFirewall(spec)!;
    const text = renderNftablesConfig(fw, effectiveRules(fw, 22).rules);
    expect(text).toContain('policy drop;');
    expect(text).toContain('tcp dport 22 accept comment "ssh"');
    expect(text).toContain('tcp dport 80 accept');
    expect(text).toContain('udp dport 8000-8100 accept');
    expect(text).toContain('ip saddr 10.0.0.0/8 tcp dport 5432 accept');
    expect(text).toContain('ip6 saddr 2001:db8::/32 meta l4proto { tcp, udp } th dport 53 reject');
    expect(text).toContain('ct state established,related accept');
    expect(text).toContain('iifname "lo" accept');
  });

  it('reject policy ends the input chain with a reject; allow policy accepts', () => {
    const reject = enabledFirewall(firewallSpec({ policy: 'reject' }))!;
    expect(renderNftablesConfig(reject, [])).toContain('reject with icmpx type admin-prohibited');
    const allow = enabledFirewall(firewallSpec({ policy: 'allow' }))!;
    expect(renderNftablesConfig(allow, [])).toContain(
      'type filter hook input priority filter; policy accept;',
    );
  });
});

describe('effectiveRules', () => {
  it('adds the ssh port with a warning only when no rule allows it', () => {
    const fw = enabledFirewall(firewallSpec({ rules: [{ port: 80 }] }))!;
    const added = effectiveRules(fw, 2222);
    expect(added.rules[0]).toMatchObject({ fromPort: 2222, action: 'allow' });
    expect(added.warnings).toHaveLength(1);
    const restricted = enabledFirewall(firewallSpec({ rules: [{ port: 2222, source: '192.168.0.0/16' }] }))!;
    expect(effectiveRules(restricted, 2222)).toMatchObject({ warnings: [] });
    expect(effectiveRules(restricted, 2222).rules).toHaveLength(1);
  });
});

describe('iptables and ufw', () => {
  const fw = enabledFirewall(
    firewallSpec({ rules: [{ port: 443 }, { port: 53, protocol: 'udp', source: 'fd00::/8' }] }),
  )!;
  const rules = effectiveRules(fw, 22).rules;

  it('keeps IPv6-only sources out of the IPv4 file', () => {
    const v4 = renderIptablesRules(fw, rules, 4);
    const v6 = renderIptablesRules(fw, rules, 6);
    expect(v4).toContain('-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT');
    expect(v4).not.toContain('fd00::/8');
    expect(v6).toContain('-A INPUT -s fd00::/8 -p udp -m udp --dport 53 -j ACCEPT');
    expect(v4).toContain(':INPUT DROP [0:0]');
  });

  it('ufw user rules carry tuples and the ufw-user-input chain', () => {
    const text = renderUfwUserRules(rules, 4);
    expect(text).toContain('### tuple ### allow tcp 443 0.0.0.0/0 any 0.0.0.0/0 in');
    expect(text).toContain('-A ufw-user-input -p tcp -m tcp --dport 443 -j ACCEPT');
  });

  it('ufw backend writes ufw’s own files instead of running ufw', () => {
    const f = planFirewall(firewallSpec({ backend: 'ufw' }), debianRecipe);
    expect(f.files?.map((x) => x.imagePath)).toEqual([
      '/etc/ufw/user.rules',
      '/etc/ufw/user6.rules',
      '/etc/default/ufw',
      '/etc/ufw/ufw.conf',
    ]);
    expect(f.files?.[3]?.content).toContain('ENABLED=yes');
    expect(f.enable).toEqual(['ufw']);
  });

  it('warns where nothing loads iptables rules at boot', () => {
    const f = planFirewall(firewallSpec({ backend: 'iptables' }), opensuseRecipe);
    expect(f.warnings?.some((w) => w.message.includes('no service that loads iptables'))).toBe(true);
  });
});
