/** Test helper: a CLI I/O that keeps what a command printed. */
import type { CliIo } from '../cli/io';

/**
 * A `CliIo` collecting stdout and stderr lines.
 *
 * @example
 * const io = captureIo(); await main(['site', 'list'], io); io.stdout // ['ID  NAME …', …]
 */
export function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}
