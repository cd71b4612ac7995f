import { InvalidArgumentError, Option, type Command } from 'commander';
import { bootTest, type BootTestResult } from '../../executor/iso/boot-test.js';
import { CliExit, EXIT_CODES, printJson, printLine } from '../cli-output.js';

interface BootTestCliOptions {
  readonly uefi?: boolean;
  readonly expect?: string[];
  readonly timeout: number;
  readonly memory: number;
  readonly accel: 'auto' | 'kvm' | 'tcg';
  readonly console?: boolean;
  readonly json?: boolean;
}

/**
 * `lbe boot-test <iso> [--uefi] [--expect TEXT...] [--timeout SECONDS] [--memory MB] [--accel auto|kvm|tcg]
 * [--console] [--json]`: boots the ISO headless in QEMU and watches its serial console.
 * Exit 0 only when `login:` and every TEXT appeared (stdout: `ok: …`); exit 1 on a failed boot, with the
 * last 50 console lines and QEMU's own messages on stderr; exit 2 on bad usage. `--console` streams the
 * console to stderr as it boots. Ctrl-C stops QEMU (its whole process group) before exiting.
 */
export function registerBootTestCommand(program: Command): void {
  program
    .command('boot-test')
    .description('boot a live ISO in QEMU (BIOS or UEFI) and wait for the login prompt on the serial console')
    .argument('<iso>', 'the ISO file')
    .option('--uefi', 'boot through OVMF (UEFI) instead of SeaBIOS')
    .option('--expect <text...>', 'text that must also appear on the console (each within one line)')
    .option('--timeout <seconds>', 'give up after this many seconds', positiveInteger, 600)
    .option('--memory <mb>', 'guest memory in MiB', positiveInteger, 1024)
    .addOption(
      new Option('--accel <accel>', 'QEMU accelerator').choices(['auto', 'kvm', 'tcg']).default('auto'),
    )
    .option('--console', 'stream the serial console to stderr')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (iso: string, options: BootTestCliOptions) => {
      await bootTestCommand(iso, options);
    });
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('must be a positive whole number');
  }
  return n;
}

async function bootTestCommand(iso: string, options: BootTestCliOptions): Promise<void> {
  const controller = new AbortController();
  const onSigint = (): void => {
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  let result: BootTestResult;
  try {
    result = await bootTest(
      {
        iso,
        uefi: options.uefi === true,
        expect: options.expect ?? [],
        timeoutMs: options.timeout * 1000,
        memoryMb: options.memory,
        accel: options.accel,
        ...(options.console === true
          ? {
              onLine: (line: string) => {
                printLine(process.stderr, `console: ${line}`);
              },
            }
          : {}),
      },
      controller.signal,
    );
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
  }

  const firmware = options.uefi === true ? 'UEFI' : 'BIOS';
  const seconds = (result.durationMs / 1000).toFixed(1);
  if (options.json === true) printJson({ iso, firmware, ...result });
  if (result.ok) {
    if (options.json !== true) {
      printLine(
        process.stdout,
        `ok: ${iso} reached the login prompt in ${seconds} s (${firmware}, ${result.accel})`,
      );
    }
    return;
  }
  if (options.json !== true) {
    for (const line of result.lastLines) printLine(process.stderr, line);
    for (const line of result.qemuStderr) printLine(process.stderr, line);
    const missing = [...(result.loginPromptSeen ? [] : ['login:']), ...result.missing];
    const why =
      result.reason === 'timeout' ? `no ${missing.join(', ')} within ${options.timeout} s` : 'QEMU exited';
    printLine(process.stderr, `failed: ${iso} (${firmware}, ${result.accel}): ${why} after ${seconds} s`);
  }
  throw new CliExit(EXIT_CODES.failure);
}
