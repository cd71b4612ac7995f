import { LbeError } from '../../errors/index.js';

/**
 * A kernel parameter that is safe to write into grub.cfg unquoted: one token of letters, digits and
 * `. _ + : @ = , / -`, not starting with `-`, at most 256 characters. Everything GRUB's script parser
 * treats specially (spaces, quotes, `$`, `;`, `\`, `{}`, `|&<>`, `#`) is outside that set, so a parameter
 * can neither expand a variable nor end the `linux` line.
 */
const SAFE_KERNEL_PARAM = /^[A-Za-z0-9._+:@=,/][A-Za-z0-9._+:@=,/-]{0,255}$/;

export function isSafeKernelParam(value: string): boolean {
  return SAFE_KERNEL_PARAM.test(value);
}

/**
 * Checks every parameter (spec `defaults.kernelParams` then `kernel.customFlags`) and drops exact
 * duplicates, keeping the first. Throws LBE_SPEC_INVALID listing every bad one with its index, since they
 * come from the caller's spec.
 */
export function validateKernelParams(params: readonly string[]): string[] {
  const bad = params
    .map((value, index) => ({ value, index }))
    .filter(({ value }) => !isSafeKernelParam(value));
  if (bad.length > 0) {
    throw new LbeError('LBE_SPEC_INVALID', 'Some kernel parameters are not safe tokens', {
      issues: bad.map(({ value, index }) => ({
        path: `kernelParams[${index}]`,
        message: `${JSON.stringify(value)} must be one token of letters, digits and . _ + : @ = , / - (not starting with -)`,
      })),
    });
  }
  return [...new Set(params)];
}
