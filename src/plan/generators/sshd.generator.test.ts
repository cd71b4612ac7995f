import { describe, expect, it } from 'vitest';
import { debianRecipe } from '../recipes/debian.recipe.js';
import { alpineRecipe } from '../recipes/alpine.recipe.js';
import { specOf } from '../testing/spec.fixture.js';
import { planSshd, renderSshdConfig, SSHD_DROP_IN } from './sshd.generator.js';

const ssh = (over: Record<string, unknown>) =>
  specOf({ securityFeatures: { ssh: { enabled: true, ...over } } }).securityFeatures.ssh!;

describe('renderSshdConfig', () => {
  it('honours PermitRootLogin prohibit-password, yes and no', () => {
    expect(renderSshdConfig(ssh({ permitRootLogin: 'prohibit-password' }))).toContain(
      '\nPermitRootLogin prohibit-password\n',
    );
    expect(renderSshdConfig(ssh({ permitRootLogin: true }))).toContain('\nPermitRootLogin yes\n');
    expect(renderSshdConfig(ssh({}))).toContain('\nPermitRootLogin no\n');
  });

  it('sets port, password auth, MaxAuthTries from maxRetries and AllowUsers', () => {
    const text = renderSshdConfig(
      ssh({ port: 2222, passwordAuthentication: true, maxRetries: 7, allowUsers: ['alice', 'bob'] }),
    );
    expect(text).toContain('\nPort 2222\n');
    expect(text).toContain('\nPasswordAuthentication yes\n');
    expect(text).toContain('\nMaxAuthTries 7\n');
    expect(text).toContain('\nAllowUsers alice bob\n');
    expect(text).toContain('\nKbdInteractiveAuthentication no\n');
    expect(text).toContain('\nX11Forwarding no\n');
  });

  it('omits AllowUsers when not given', () => {
    expect(renderSshdConfig(ssh({}))).not.toContain('AllowUsers');
  });
});

describe('planSshd', () => {
  it('adds nothing when ssh is absent or disabled', () => {
    expect(planSshd(specOf({}), debianRecipe)).toEqual({});
    expect(planSshd(specOf({ securityFeatures: { ssh: { enabled: false } } }), debianRecipe)).toEqual({});
  });

  it('on Debian/systemd: drop-in, package, ssh enabled, baked host keys removed and regenerated at boot', () => {
    const f = planSshd(specOf({ securityFeatures: { ssh: {} } }), debianRecipe);
    expect(f.files?.map((x) => x.imagePath)).toEqual([
      SSHD_DROP_IN,
      '/etc/systemd/system/lbe-ssh-hostkeys.service',
    ]);
    expect(f.enable).toEqual(['ssh', 'lbe-ssh-hostkeys.service']);
    expect(f.systemLines).toEqual(['rm -f /etc/ssh/ssh_host_*']);
    expect(f.packages).toEqual([{ name: 'ssh', origin: 'securityFeatures.ssh' }]);
  });

  it('on Alpine: sshd service, no host key unit (its init script makes keys)', () => {
    const f = planSshd(specOf({ base: 'alpine', securityFeatures: { ssh: {} } }), alpineRecipe);
    expect(f.enable).toEqual(['sshd']);
    expect(f.systemLines).toEqual([]);
  });
});
