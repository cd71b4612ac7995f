import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';

/**
 * Whether QEMU should use KVM: the device must be readable and writable by us AND the CPU must expose
 * hardware virtualization (`vmx` or `svm` in /proc/cpuinfo). The second check matters: on the project's
 * machines /dev/kvm opens but the CPU has no vmx/svm, and `-accel kvm` there is far slower than TCG
 * (GRUB takes over a minute to appear; TCG boots to `login:` in about 70 s). Never throws.
 */
export async function isKvmUsable(
  paths: { readonly device?: string; readonly cpuinfo?: string } = {},
): Promise<boolean> {
  try {
    await access(paths.device ?? '/dev/kvm', constants.R_OK | constants.W_OK);
    const cpuinfo = await readFile(paths.cpuinfo ?? '/proc/cpuinfo', 'utf8');
    return /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo);
  } catch {
    return false;
  }
}
