import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { efiSerialFor, pinEfiImageSerial } from './efi-image-serial.js';

function fat16BootSector(serial: number): Buffer {
  const s = Buffer.alloc(512);
  s[0x26] = 0x29;
  s.writeUInt32LE(serial, 0x27);
  s.write('FAT12   ', 0x36, 'ascii');
  s[510] = 0x55;
  s[511] = 0xaa;
  return s;
}

describe('pinEfiImageSerial', () => {
  it('overwrites only the 4 serial bytes of a FAT boot sector at the given block', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lbe-efi-serial-'));
    try {
      const iso = path.join(dir, 'x.iso');
      const before = Buffer.concat([
        Buffer.alloc(2048 * 3, 7),
        fat16BootSector(0xdeadbeef),
        Buffer.alloc(1536, 7),
      ]);
      await writeFile(iso, before);
      const serial = efiSerialFor('WEB', 1_700_000_000);
      expect(await pinEfiImageSerial(iso, 3, serial)).toBe(true);
      const after = await readFile(iso);
      expect(after.readUInt32LE(3 * 2048 + 0x27)).toBe(serial);
      after.writeUInt32LE(0xdeadbeef, 3 * 2048 + 0x27);
      expect(after.equals(before)).toBe(true);
      // Not a FAT boot sector: nothing written.
      expect(await pinEfiImageSerial(iso, 0, serial)).toBe(false);
      expect((await readFile(iso)).subarray(0, 2048).equals(before.subarray(0, 2048))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('derives the serial from the volume id and the epoch only', () => {
    expect(efiSerialFor('A', 1)).toBe(efiSerialFor('A', 1));
    expect(efiSerialFor('A', 1)).not.toBe(efiSerialFor('A', 2));
  });
});
