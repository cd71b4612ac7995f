/**
 * argv builder for `qemu-system-x86_64` (QEMU 7.2) booting a live ISO headless.
 *
 *   qemu-system-x86_64 -accel tcg|kvm -m <MB> -smp <n> -nographic -monitor none -serial stdio
 *                      -parallel none -nic none -no-reboot -cdrom <iso> [-bios <OVMF.fd>]
 *   in: an ISO; out: the guest's first serial port on stdout (raw bytes, escape sequences included),
 *   QEMU's own warnings on stderr. `-nographic` (not `-display none`) also makes SeaBIOS write to the serial
 *   port (QEMU sets its sercon port), so a CD that does not boot shows "Boot failed: …" in the console tail. No network (`-nic none` also skips iPXE's boot attempt). `-no-reboot`
 *   makes a guest reboot or panic-reboot end QEMU. It runs until killed; exit 0 when the guest powers off,
 *   1 on a start-up error (bad ISO path, missing firmware, accelerator unavailable).
 *   UEFI: `-bios /usr/share/ovmf/OVMF.fd` (Debian package ovmf), a combined code+vars image, read-only use.
 */

export const QEMU_X86_64 = 'qemu-system-x86_64';
export const DEFAULT_OVMF = '/usr/share/ovmf/OVMF.fd';

export function qemuBootArgs(input: {
  readonly iso: string;
  readonly accel: 'kvm' | 'tcg';
  readonly memoryMb: number;
  readonly cpus: number;
  /** OVMF firmware for a UEFI boot; BIOS (SeaBIOS) when absent. */
  readonly ovmf?: string;
}): string[] {
  return [
    '-accel',
    input.accel,
    '-m',
    String(input.memoryMb),
    '-smp',
    String(input.cpus),
    '-nographic',
    '-monitor',
    'none',
    '-serial',
    'stdio',
    '-parallel',
    'none',
    '-nic',
    'none',
    '-no-reboot',
    '-cdrom',
    input.iso,
    ...(input.ovmf === undefined ? [] : ['-bios', input.ovmf]),
  ];
}
