/**
 * argv builder and parser for `xorriso -indev <iso> -report_el_torito plain` (xorriso 1.5).
 *
 *   xorriso -indev <iso> -report_el_torito plain
 *   out (stdout), one line per boot image, e.g.
 *     El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4        2974
 *     El Torito boot img :   2  UEFI  y   none  0x0000  0x00   5760          73
 *   columns: number, platform, bootable, emulation, load segment, header platform, load size (512-byte
 *   sectors), LBA (2048-byte blocks). Exit 0 ok; non-zero when the file is not an ISO (stderr says why).
 */

export const XORRISO = 'xorriso';

export function elToritoReportArgs(iso: string): string[] {
  return ['-indev', iso, '-report_el_torito', 'plain'];
}

export interface ElToritoImage {
  readonly platform: string;
  readonly bootable: boolean;
  readonly loadSectors: number;
  readonly lba: number;
}

export function parseElToritoReport(stdout: string): ElToritoImage[] {
  const images: ElToritoImage[] = [];
  const line = /^El Torito boot img :\s+\d+\s+(\S+)\s+([yn])\s+\S+\s+\S+\s+\S+\s+(\d+)\s+(\d+)\s*$/;
  for (const text of stdout.split('\n')) {
    const m = line.exec(text.trim());
    if (m?.[1] === undefined || m[3] === undefined || m[4] === undefined) continue;
    images.push({ platform: m[1], bootable: m[2] === 'y', loadSectors: Number(m[3]), lba: Number(m[4]) });
  }
  return images;
}
