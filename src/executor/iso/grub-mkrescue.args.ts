/**
 * argv builder for `grub-mkrescue` (GRUB 2.06; needs grub-pc-bin, grub-efi-amd64-bin, xorriso, mtools).
 *
 *   grub-mkrescue --output=<iso> <isoRoot> --
 *       -volid <VOLID> -compliance iso_9660_level=3
 *       -volume_date uuid <T> -volume_date c <T> -volume_date m <T> -volume_date all_file_dates =<epoch>
 *       -boot_image any gpt_disk_guid=volume_date_uuid
 *   in: a directory with boot/grub/grub.cfg and the live files; out: a hybrid ISO (El Torito BIOS image
 *   boot/grub/i386-pc/eltorito.img + UEFI image /efi.img, MBR/GPT for USB sticks).
 *   Everything after `--` reaches xorriso as native commands, run after grub-mkrescue's own
 *   `-as mkisofs …` options and so overriding them: grub-mkrescue 2.06 passes `--modification-date=<now>`
 *   and ignores SOURCE_DATE_EPOCH, so the volume dates, the UUID GRUB searches for (derived from the
 *   volume date), the GPT disk GUID and every file date are pinned here (T = YYYYMMDDhhmmss00, UTC).
 *   `iso_9660_level=3` allows a root image larger than 4 GiB. Run it with SOURCE_DATE_EPOCH in the env too.
 *   Exit 0 ok; non-zero when xorriso or mformat fail (their messages on stderr). A host without
 *   grub-efi-amd64-bin still exits 0 with a BIOS-only image: callers check the El Torito report.
 */

export const GRUB_MKRESCUE = 'grub-mkrescue';

/** `YYYYMMDDhhmmss00` in UTC, the date format of xorriso's -volume_date and mkisofs --modification-date. */
export function isoTimestamp(epochSeconds: number): string {
  const iso = new Date(epochSeconds * 1000).toISOString(); // 2023-11-14T22:13:20.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}00`;
}

export function grubMkrescueArgs(input: {
  readonly isoRoot: string;
  readonly outFile: string;
  readonly volumeId: string;
  readonly sourceDateEpoch: number;
}): string[] {
  const t = isoTimestamp(input.sourceDateEpoch);
  return [
    `--output=${input.outFile}`,
    input.isoRoot,
    '--',
    '-volid',
    input.volumeId,
    '-compliance',
    'iso_9660_level=3',
    '-volume_date',
    'uuid',
    t,
    '-volume_date',
    'c',
    t,
    '-volume_date',
    'm',
    t,
    '-volume_date',
    'all_file_dates',
    `=${input.sourceDateEpoch}`,
    '-boot_image',
    'any',
    'gpt_disk_guid=volume_date_uuid',
  ];
}
