// `omnitrail` CLI entry (built to dist/cli.js with a `#!/usr/bin/env node` banner).
//
// Adding a command is ONE line in `commands` below. A command module `src/cli/<name>.ts` exports:
//   export const summary = 'one line for `omnitrail --help`';
//   export async function run(argv: string[], io: CliIo): Promise<number>  // exit code
// It parses its own flags with `node:util` parseArgs, prints `--help` itself, writes errors to
// `io.err` and returns non-zero on failure (it throws only for bugs). Modules are imported
// lazily so `omnitrail site list` does not load the server.
import { DatabaseOpenError } from '../store/sqlite/db';
import { CliError, stdio, type CliIo } from './io';

/** A subcommand module. */
export interface CliCommand {
  summary: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

const commands: Record<string, () => Promise<CliCommand>> = {
  start: () => import('./start'),
  serve: () => import('./serve'),
  site: () => import('./site'),
  qr: () => import('./qr'),
  report: () => import('./report'),
  import: () => import('./import'),
  erase: () => import('./erase'),
  export: () => import('./export'),
  retention: () => import('./retention'),
  keys: () => import('./keys'),
  webhook: () => import('./webhook'),
  demo: () => import('./demo'),
};

function usage(io: CliIo, summaries: [string, string][]): void {
  io.out('Usage: omnitrail <command> [options]\n\nCommands:');
  for (const [name, s] of summaries) io.out(`  ${name.padEnd(10)} ${s}`);
  io.out('\nRun "omnitrail <command> --help" for the options of a command.');
}

/**
 * Run the CLI with `argv` (without `node` and the script path) and return the exit code.
 *
 * @example
 * process.exitCode = await main(['site', 'list', '--json']);
 */
export async function main(argv: string[], io: CliIo = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const summaries: [string, string][] = [];
    for (const [n, load] of Object.entries(commands)) summaries.push([n, (await load()).summary]);
    usage(io, summaries);
    return name ? 0 : 1;
  }
  const load = commands[name];
  if (!load) {
    io.err(`omnitrail: unknown command "${name}". Run "omnitrail --help" for the list.`);
    return 2;
  }
  try {
    return await (await load()).run(rest, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`omnitrail ${name}: ${e.message}`);
      return e.exitCode;
    }
    // A wrong --db is the user's to fix: the path and SQLite's reason, no stack trace.
    if (e instanceof DatabaseOpenError) {
      io.err(`omnitrail ${name}: ${e.message}`);
      return 1;
    }
    // parseArgs reports unknown or malformed flags with these codes.
    const code = (e as { code?: string }).code;
    if (code && code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`omnitrail ${name}: ${(e as Error).message}\nRun "omnitrail ${name} --help".`);
      return 2;
    }
    io.err(`omnitrail ${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
}

// Run when executed as the bin (not when imported by tests).
const entry = process.argv[1] ?? '';
if (/(?:^|[\\/])(?:cli\.js|omnitrail)$/.test(entry)) {
  // `omnitrail site list | head -3`: the reader is gone, so the rest of the output has nowhere to
  // go. Stop quietly, as Unix tools do, instead of an unhandled EPIPE stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
