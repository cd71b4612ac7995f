import { describe, expect, it } from 'vitest';
import { budArgs, containersJsonArgs, parseContainersJson, pullArgs, pushArgs } from './buildah.tool.js';
import { deterministicTarArgs } from './tar.tool.js';
import { mmdebstrapArgs } from './mmdebstrap.tool.js';
import { installHint } from './tool-packages.table.js';

const storage = { root: '/c/storage', runroot: '/c/run' };

describe('buildah argv builders', () => {
  it('builds an unlimited stage with the runc runtime, no network and a fixed timestamp', () => {
    expect(
      budArgs({
        storage,
        runtime: '/usr/sbin/runc',
        dockerfile: '/t/Dockerfile',
        contextDir: '/t/ctx',
        tag: 'localhost/lbe-cache/stage:k',
        iidFile: '/t/iid',
        network: 'none',
        sourceDateEpoch: 1700000000,
      }),
    ).toEqual([
      '--root',
      '/c/storage',
      '--runroot',
      '/c/run',
      'bud',
      '--isolation',
      'oci',
      '--runtime',
      '/usr/sbin/runc',
      '--network',
      'none',
      '--timestamp',
      '1700000000',
      '--pull=never',
      '--no-cache',
      '--force-rm',
      '--iidfile',
      '/t/iid',
      '-f',
      '/t/Dockerfile',
      '-t',
      'localhost/lbe-cache/stage:k',
      '/t/ctx',
    ]);
  });

  it('maps limits to memory (no swap), CFS quota, nproc and the pids cgroup', () => {
    const args = budArgs({
      storage,
      runtime: 'runc',
      dockerfile: 'D',
      contextDir: 'C',
      tag: 'T',
      iidFile: 'I',
      network: 'host',
      sourceDateEpoch: 0,
      limits: { memory: '2g', cpus: 1.5, pids: 100 },
      cgroupParent: '/lbe-pids-x',
    });
    const joined = args.join(' ');
    expect(joined).toContain('--network host');
    expect(joined).toContain('--memory 2g --memory-swap 2g --cpu-period 100000 --cpu-quota 150000');
    expect(joined).toContain('--ulimit nproc=100:100 --cgroup-parent /lbe-pids-x -f D');
  });

  it('pulls and pushes without retries, so an unreachable registry fails fast', () => {
    expect(pullArgs(storage, 'docker.io/library/debian:bookworm')).toContain('--retry');
    expect(pullArgs(storage, 'x').slice(-4)).toEqual(['--retry', '0', '--quiet', 'x']);
    expect(
      pushArgs({
        storage,
        image: 'img',
        destination: 'docker://r:5000/a:b',
        tlsVerify: false,
        authFile: '/a',
      }).slice(4),
    ).toEqual([
      'push',
      '--quiet',
      '--retry',
      '0',
      '--tls-verify=false',
      '--authfile',
      '/a',
      'img',
      'docker://r:5000/a:b',
    ]);
  });
});

describe('buildah containers --json', () => {
  it('lists every container of the store as JSON', () => {
    expect(containersJsonArgs(storage)).toEqual([
      '--root',
      '/c/storage',
      '--runroot',
      '/c/run',
      'containers',
      '--json',
    ]);
  });

  it('parses buildah 1.28 output, and `null` for an empty store', () => {
    const stdout = `[
    {
        "id": "926e01b6dbcd058b28a755c4d462218c1a2ce990d7876a9690caaede3d5a1c08",
        "builder": true,
        "imageid": "db5b419a07e6256ebc614dc4c10cff6dcf83788d4c5c2dfb1cb08b1cbe788ca7",
        "imagename": "localhost/lbe-base/debian:probe",
        "containername": "x-working-container"
    }
]
`;
    expect(parseContainersJson(stdout)).toEqual([
      {
        id: '926e01b6dbcd058b28a755c4d462218c1a2ce990d7876a9690caaede3d5a1c08',
        builder: true,
        imageid: 'db5b419a07e6256ebc614dc4c10cff6dcf83788d4c5c2dfb1cb08b1cbe788ca7',
        imagename: 'localhost/lbe-base/debian:probe',
        containername: 'x-working-container',
      },
    ]);
    expect(parseContainersJson('null\n')).toEqual([]);
    expect(() => parseContainersJson('[{"id": "x"}]')).toThrow();
    expect(() => parseContainersJson('not json')).toThrow();
  });
});

describe('other tools', () => {
  it('tar is deterministic: sorted, clamped mtimes, numeric owners', () => {
    expect(deterministicTarArgs('/r', '/o.tar', 42)).toEqual([
      '-C',
      '/r',
      '--sort=name',
      '--mtime=@42',
      '--clamp-mtime',
      '--numeric-owner',
      '--format=posix',
      '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
      '-cf',
      '/o.tar',
      '.',
    ]);
  });

  it('mmdebstrap bootstraps minbase for the Debian architecture name', () => {
    expect(
      mmdebstrapArgs({ release: 'bookworm', architecture: 'aarch64', outTar: '/o', mirror: 'http://m' }),
    ).toEqual([
      '--mode=root',
      '--variant=minbase',
      '--architectures=arm64',
      '--quiet',
      'bookworm',
      '/o',
      'http://m',
    ]);
  });

  it('names the apt package of a missing tool', () => {
    expect(installHint('buildah')).toBe('apt-get install buildah');
    expect(installHint('/usr/sbin/runc')).toBe('apt-get install runc');
    expect(installHint('frobnicate')).toBe('install frobnicate');
  });
});
