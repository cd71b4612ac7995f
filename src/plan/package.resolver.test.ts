import { describe, expect, it } from 'vitest';
import { resolvePackages } from './package.resolver.js';
import { archRecipe } from './recipes/arch.recipe.js';
import { alpineRecipe } from './recipes/alpine.recipe.js';
import { debianRecipe } from './recipes/debian.recipe.js';
import { fedoraRecipe } from './recipes/fedora.recipe.js';
import { opensuseRecipe } from './recipes/opensuse.recipe.js';
import { flattenPackages } from '../spec/spec.normalize.js';

const want = (name: string, version?: string) => ({
  name,
  origin: 'packages',
  ...(version ? { version } : {}),
});

describe('resolvePackages', () => {
  it('maps abstract names per distro', () => {
    const names = ['ssh', 'python', 'build-essential', 'redis', 'borg'].map((n) => want(n));
    expect(resolvePackages(names, 'debian', debianRecipe).packages.install).toEqual([
      'openssh-server',
      'python3',
      'build-essential',
      'redis-server',
      'borgbackup',
    ]);
    expect(resolvePackages(names, 'arch', archRecipe).packages.install).toEqual([
      'openssh',
      'python',
      'base-devel',
      'valkey',
      'borg',
    ]);
    expect(resolvePackages(names, 'alpine', alpineRecipe).packages.install).toEqual([
      'openssh',
      'python3',
      'build-base',
      'redis',
      'borgbackup',
    ]);
  });

  it('removes duplicates, including aliases that map to the same package', () => {
    const r = resolvePackages(
      [want('ssh'), want('openssh'), want('openssh-server'), want('git'), want('git')],
      'debian',
      debianRecipe,
    );
    expect(r.packages.install).toEqual(['openssh-server', 'git']);
  });

  it('reports unavailable packages with a warning and installs nothing for them', () => {
    const r = resolvePackages([want('mongodb'), want('grafana'), want('nginx')], 'debian', debianRecipe);
    expect(r.packages.install).toEqual(['nginx']);
    expect(r.packages.unavailable.map((u) => u.name)).toEqual(['mongodb', 'grafana']);
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]?.message).toMatch(/^mongodb is unavailable on debian/);
  });

  it('translates pins per distro; pacman cannot pin (warning, unpinned)', () => {
    const pinned = [want('nginx', '1.22.1-9')];
    expect(resolvePackages(pinned, 'debian', debianRecipe).packages.install).toEqual(['nginx=1.22.1-9']);
    expect(resolvePackages(pinned, 'alpine', alpineRecipe).packages.install).toEqual(['nginx=1.22.1-9']);
    expect(resolvePackages(pinned, 'fedora', fedoraRecipe).packages.install).toEqual(['nginx-1.22.1-9']);
    expect(resolvePackages(pinned, 'opensuse', opensuseRecipe).packages.install).toEqual(['nginx-1.22.1-9']);
    const arch = resolvePackages(pinned, 'arch', archRecipe);
    expect(arch.packages.install).toEqual(['nginx']);
    expect(arch.warnings[0]?.message).toMatch(/cannot pin/);
  });

  it('a pinned duplicate upgrades an unpinned one in place', () => {
    const r = resolvePackages([want('curl'), want('nginx'), want('curl', '7.88')], 'debian', debianRecipe);
    expect(r.packages.install).toEqual(['curl=7.88', 'nginx']);
  });

  it('passes unknown names through as distro names', () => {
    expect(resolvePackages([want('libssl3')], 'debian', debianRecipe).packages.install).toEqual(['libssl3']);
  });

  it('the map form keeps every package set to true', () => {
    const requests = flattenPackages({ nginx: true, vim: false, git: true, zsh: true });
    const r = resolvePackages(
      requests.map((p) => want(p.name)),
      'debian',
      debianRecipe,
    );
    expect(r.packages.install).toEqual(['nginx', 'git', 'zsh']);
  });
});
