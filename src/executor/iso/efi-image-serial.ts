import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/**
 * Pins the volume serial number of the FAT file system in an ISO's El Torito UEFI image.
 *
 * Why: grub-mkrescue 2.06 formats that image with `mformat` and no `-N`, so its 4-byte serial is random and
 * two builds of the same tree differ in exactly those 4 bytes. Nothing checksums a FAT boot sector (nor does
 * GPT cover partition contents), so overwriting the serial in place keeps the image valid.
 *
 * Contract: reads the 512-byte boot sector at `lba * 2048` of `isoPath`; if it is a FAT boot sector with an
 * extended BPB (signature 0x29 at 0x26 for FAT12/16, at 0x42 for FAT32; 0x55AA at 510), writes `serial`
 * little-endian at 0x27 (FAT12/16) or 0x43 (FAT32) and returns true. Returns false, writing nothing, for
 * anything else. Rejects only on I/O errors.
 */
export async function pinEfiImageSerial(isoPath: string, lba: number, serial: number): Promise<boolean> {
  const file = await open(isoPath, 'r+');
  try {
    const offset = lba * 2048;
    const sector = Buffer.alloc(512);
    const { bytesRead } = await file.read(sector, 0, 512, offset);
    if (bytesRead !== 512 || sector[510] !== 0x55 || sector[511] !== 0xaa) return false;
    const fat16 = sector[0x26] === 0x29 && sector.toString('ascii', 0x36, 0x39) === 'FAT';
    const fat32 = sector[0x42] === 0x29 && sector.toString('ascii', 0x52, 0x57) === 'FAT32';
    if (!fat16 && !fat32) return false;
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(serial >>> 0, 0);
    await file.write(bytes, 0, 4, offset + (fat16 ? 0x27 : 0x43));
    return true;
  } finally {
    await file.close();
  }
}

/** A serial that depends only on the build's inputs: the first 4 bytes of sha256(`<volumeId>:<epoch>`). */
export function efiSerialFor(volumeId: string, sourceDateEpoch: number): number {
  return createHash('sha256').update(`${volumeId}:${sourceDateEpoch}`).digest().readUInt32LE(0);
}
