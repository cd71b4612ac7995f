import type { Base } from '../../spec/index.js';

/** The spec's kernel choices (`kernel.version`). */
export type KernelChoice = 'linux' | 'linux-lts' | 'linux-zen' | 'linux-hardened';

/**
 * What the recipe must add to the image so that `buildLiveIso` can turn its root filesystem into a live
 * ISO that boots to a login prompt on the serial console.
 * - `packages`: distro package names, kernel first; install them without recommends.
 * - `warnings`: one sentence per substitution (a kernel flavour the distro does not ship) or limitation,
 *   for the build's warnings list.
 * - `verifiedBoot`: true only where a real ISO built from these packages was booted to `login:` in QEMU
 *   on the project's machines (Debian bookworm); elsewhere the list is best-effort and recipe-only.
 */
export interface LivePackages {
  readonly packages: readonly string[];
  readonly warnings: readonly string[];
  readonly verifiedBoot: boolean;
}

interface FamilyTable {
  /** Kernel package per spec choice; a missing entry falls back to `linux` with a warning. */
  readonly kernels: Partial<Record<KernelChoice, string>> & { readonly linux: string };
  /** Why some choices share a package, added to the warning. */
  readonly note?: string;
  /** Live-boot initramfs support, init, and what puts a getty on the serial console. */
  readonly live: readonly string[];
  readonly verifiedBoot: boolean;
}

/**
 * One row per base. Debian/Ubuntu use live-boot (`boot=live`, the layout `buildLiveIso` writes); systemd's
 * getty generator starts serial-getty@ttyS0 because `console=ttyS0` is on the kernel command line, and
 * agetty (util-linux) + login print `/etc/issue` and `<host> login:` there.
 * The other families boot live systems with their own initramfs tooling (dracut dmsquash-live, archiso,
 * mkinitfs); their rows name those packages, but `buildLiveIso` only writes the live-boot layout today.
 */
const FAMILIES: Readonly<Record<Base, FamilyTable>> = {
  debian: {
    // Debian ships one mainline flavour per release; the stable kernel is itself an LTS kernel.
    kernels: { linux: 'linux-image-amd64', 'linux-lts': 'linux-image-amd64' },
    note: 'Debian ships no such flavour; linux-image-amd64 (the stable, long-term kernel) is used instead',
    // `login` is Essential in bookworm but not in trixie: name it so the serial prompt never goes missing.
    live: ['live-boot', 'systemd-sysv', 'login'],
    verifiedBoot: true,
  },
  ubuntu: {
    kernels: { linux: 'linux-image-generic', 'linux-lts': 'linux-image-generic' },
    note: 'Ubuntu ships no such flavour; linux-image-generic is used instead',
    live: ['live-boot', 'systemd-sysv', 'login'],
    verifiedBoot: false,
  },
  arch: {
    kernels: {
      linux: 'linux',
      'linux-lts': 'linux-lts',
      'linux-zen': 'linux-zen',
      'linux-hardened': 'linux-hardened',
    },
    live: ['mkinitcpio', 'mkinitcpio-archiso', 'systemd-sysvcompat', 'util-linux'],
    verifiedBoot: false,
  },
  alpine: {
    // Alpine's default kernel is linux-lts; linux-virt is the small one for VMs.
    kernels: { linux: 'linux-lts', 'linux-lts': 'linux-lts' },
    note: 'Alpine ships no such flavour; linux-lts is used instead',
    live: ['mkinitfs', 'agetty', 'util-linux-login'],
    verifiedBoot: false,
  },
  fedora: {
    kernels: { linux: 'kernel' },
    note: 'Fedora ships only its rolling kernel; kernel is used instead',
    live: ['dracut-live', 'systemd', 'util-linux'],
    verifiedBoot: false,
  },
  opensuse: {
    kernels: { linux: 'kernel-default', 'linux-lts': 'kernel-longterm' },
    note: 'openSUSE ships no such flavour; kernel-default is used instead',
    live: ['dracut-kiwi-live', 'systemd-sysvinit', 'util-linux'],
    verifiedBoot: false,
  },
  void: {
    kernels: { linux: 'linux', 'linux-lts': 'linux-lts' },
    note: 'Void ships no such flavour; linux is used instead',
    live: ['dracut', 'util-linux', 'runit-void'],
    verifiedBoot: false,
  },
  gentoo: {
    kernels: { linux: 'sys-kernel/gentoo-kernel-bin' },
    note: 'Gentoo has no binary kernel of that flavour; sys-kernel/gentoo-kernel-bin is used instead',
    live: ['sys-kernel/dracut', 'sys-apps/util-linux'],
    verifiedBoot: false,
  },
};

/**
 * Packages the recipe adds for `outputs.iso` on `base` with the spec's `kernel.version`.
 * Pure; never throws for a known base. Unknown bases are a programming error (the spec schema rejects them).
 */
export function livePackagesFor(base: Base, kernel: KernelChoice): LivePackages {
  const family = FAMILIES[base];
  const warnings: string[] = [];
  let kernelPackage = family.kernels[kernel];
  if (kernelPackage === undefined) {
    kernelPackage = family.kernels.linux;
    warnings.push(
      `kernel ${kernel} is not available on ${base}: ${family.note ?? `${kernelPackage} is used`}`,
    );
  }
  if (!family.verifiedBoot) {
    warnings.push(
      `live ISO on ${base}: packages are best-effort and no ${base} ISO has been boot-tested; only the live-boot layout (Debian, Ubuntu) is assembled`,
    );
  }
  return { packages: [kernelPackage, ...family.live], warnings, verifiedBoot: family.verifiedBoot };
}
