import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildLogWriter, formatLogLine } from './build-log.writer.js';
import { formatSha256Sums, writeSha256Sums } from './checksums.writer.js';
import { createMasker } from './secret.masker.js';
import { writeRootfsArchive } from './rootfs-archive.writer.js';
import { NodeProcessRunner } from '../process/process-runner.js';

describe('SHA256SUMS', () => {
  it('is sorted, two spaces, one line per file, in the format sha256sum -c reads', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    expect(
      formatSha256Sums([
        { name: 'z.tar', sha256: a },
        { name: 'image.tar', sha256: b },
      ]),
    ).toBe(`${b}  image.tar\n${a}  z.tar\n`);
    expect(() => formatSha256Sums([{ name: 'x\ny', sha256: a }])).toThrow(/unsupported/);
    expect(() => formatSha256Sums([{ name: 'x', sha256: 'nope' }])).toThrow(/not a sha256/);
  });

  it('hashes real files (sha256 of "hello\\n")', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lbe-sums-'));
    try {
      await writeFile(join(dir, 'f'), 'hello\n');
      await writeSha256Sums(dir, ['f']);
      expect(await readFile(join(dir, 'SHA256SUMS'), 'utf8')).toBe(
        '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  f\n',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('log masking', () => {
  it('masks every registered secret, longest first, ignoring short and empty values', () => {
    const mask = createMasker(['token-123', 'token-123-long', '', undefined, 'ab']);
    expect(mask('a token-123-long and token-123 ab')).toBe('a *** and *** ab');
    expect(createMasker([])('unchanged')).toBe('unchanged');
  });

  it('writes timestamped, masked lines and passes them on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lbe-log-'));
    try {
      const seen: string[] = [];
      const log = new BuildLogWriter(
        join(dir, 'build.log'),
        createMasker(['s3cret-value']),
        (l) => seen.push(l),
        () => new Date(0),
      );
      log.write('scripts', 'pw=s3cret-value');
      await log.close();
      await log.close();
      expect(seen).toEqual(['pw=***']);
      expect(await readFile(join(dir, 'build.log'), 'utf8')).toBe(
        formatLogLine(new Date(0), 'scripts', 'pw=***'),
      );
      expect(formatLogLine(new Date(0), 'a', 'b')).toBe('1970-01-01T00:00:00.000Z [a] b\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('writeRootfsArchive', () => {
  it('writes a zstd tarball in one pass: readable by tar, byte-identical for the same tree, no temp left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lbe-rootfs-archive-'));
    try {
      const tree = join(dir, 'tree');
      await mkdir(join(tree, 'etc'), { recursive: true });
      await writeFile(join(tree, 'etc', 'hostname'), 'web01\n');
      await writeFile(join(tree, 'b.txt'), 'b');
      const runner = new NodeProcessRunner();
      await writeRootfsArchive(runner, tree, join(dir, 'one.tar.zst'), 1_700_000_000);
      await writeRootfsArchive(runner, tree, join(dir, 'two.tar.zst'), 1_700_000_000);
      const [one, two] = [await readFile(join(dir, 'one.tar.zst')), await readFile(join(dir, 'two.tar.zst'))];
      expect(one.subarray(0, 4).toString('hex')).toBe('28b52ffd'); // zstd frame magic
      expect(one.equals(two)).toBe(true);
      const list = await runner.run('tar', ['--zstd', '-tvf', join(dir, 'one.tar.zst')]);
      expect(list.stdout).toMatch(/ 2023-11-14 \d\d:13 \.\/etc\/hostname$/m);
      expect((await readdir(dir)).sort()).toEqual(['one.tar.zst', 'tree', 'two.tar.zst']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
