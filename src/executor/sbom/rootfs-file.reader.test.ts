import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRootfsText, resolveInRootfs } from './rootfs-file.reader.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'lbe-rootfs-'));
  await mkdir(path.join(root, 'etc'), { recursive: true });
  await mkdir(path.join(root, 'usr/lib'), { recursive: true });
  await writeFile(path.join(root, 'usr/lib/os-release'), 'ID=inside\n');
  await symlink('../usr/lib/os-release', path.join(root, 'etc/os-release'));
  await symlink('/etc/hostname', path.join(root, 'etc/escape'));
  await symlink('../../../../../../../../etc/hostname', path.join(root, 'etc/dotdot'));
  await symlink('loop', path.join(root, 'etc/loop'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('resolveInRootfs', () => {
  it('follows relative symlinks inside the rootfs', async () => {
    expect(await readRootfsText(root, 'etc/os-release')).toBe('ID=inside\n');
  });

  it('never leaves the rootfs through absolute or ../ symlinks', async () => {
    // /etc/hostname exists on the host but not in the rootfs.
    expect(await resolveInRootfs(root, 'etc/escape')).toBeUndefined();
    expect(await resolveInRootfs(root, 'etc/dotdot')).toBeUndefined();
    expect(await readRootfsText(root, '../../etc/hostname')).toBeUndefined();
  });

  it('gives up on symlink loops', async () => {
    expect(await resolveInRootfs(root, 'etc/loop')).toBeUndefined();
  });
});
