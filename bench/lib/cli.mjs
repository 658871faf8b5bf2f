// Runs the built `omnitrail` CLI in a child process, as a user does, with its wall time and
// CPU seconds (the import benches).
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const dist = process.env.OMNITRAIL_DIST ?? join(root, 'packages/collector/dist');

/**
 * Runs `omnitrail …args` and resolves `{ ms, cpu, out, err }`; exit codes 0 and 3 (some rows
 * rejected) resolve, any other rejects.
 *
 * @example
 * const r = await runCli(['import', 'orders', 'pos.csv', '--db', 'x.db', '--no-progress']);
 */
export function runCli(args) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    // CPU time of the child too: on a shared machine wall time depends on the neighbours,
    // CPU seconds much less.
    const cpuHook = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\n@cpu '+((u.user+u.system)/1e6))})`;
    const child = spawn(process.execPath, ['--import', cpuHook, join(dist, 'cli.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0 && code !== 3) reject(new Error(`omnitrail ${args.join(' ')} exited ${code}: ${err}`));
      else {
        const cpu = Number(/@cpu ([\d.]+)/.exec(err)?.[1] ?? NaN);
        resolve({ ms, cpu, out: out.trim(), err: err.replace(/\n?@cpu [\d.]+/, '').trim() });
      }
    });
  });
}
