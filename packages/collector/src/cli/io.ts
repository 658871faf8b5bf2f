/** Where a CLI command writes (injectable so tests capture output without spawning). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

// C0 controls but tab and line feed (CR only before LF: CSV rows end in CRLF), DEL, C1 controls.
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|\r(?!\n)/g;

/**
 * Text made safe to print on a terminal: every control character that a terminal would act on
 * (ESC sequences that set the window title, write the clipboard (OSC 52), recolour or clear the
 * screen; a lone CR that overwrites the line) is shown as its JSON escape (`\u001b`) instead.
 * Reports print campaign, source and event names that anyone holding the public write key can
 * send. Inside a JSON string the escape decodes back to the same character, so `--json` output
 * keeps its data.
 *
 * @example
 * terminalSafe('spring\u001b]0;owned\u0007') // 'spring\\u001b]0;owned\\u0007'
 */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The process's stdout / stderr, through {@link terminalSafe}. */
export const stdio: CliIo = {
  out: (l) => process.stdout.write(terminalSafe(l) + '\n'),
  err: (l) => process.stderr.write(terminalSafe(l) + '\n'),
};

/**
 * An expected failure (bad flag value, missing option, unreadable file): `main` prints the
 * message to stderr, without a stack trace, and exits with `exitCode`.
 *
 * @example
 * if (!values.name) throw new CliError('--name is required');
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
