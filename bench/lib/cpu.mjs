// CPU time of a child process, whole and main thread, from Linux's /proc (the benches run on
// Linux; elsewhere every reading is null and the tables show "-").
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second for /proc times (USER_HZ: 100 on every mainstream Linux build). */
const TICKS = 100;

/** utime + stime in ms from a /proc …/stat line (fields 14 and 15; the command name may contain spaces). */
function statMs(path) {
  try {
    const s = readFileSync(path, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return ((+f[11] + +f[12]) * 1000) / TICKS;
  } catch {
    return null;
  }
}

/**
 * Starts measuring a process: `stop()` returns the cores it used meanwhile, all threads and its
 * main thread alone (a Node server's event loop), and the wall time in ms.
 *
 * @example
 * const m = cpuMeter(child.pid); await load(); const { cores, mainCores } = m.stop();
 */
export function cpuMeter(pid) {
  const read = () => [statMs(`/proc/${pid}/stat`), statMs(`/proc/${pid}/task/${pid}/stat`)];
  const [all0, main0] = read();
  const t0 = performance.now();
  return {
    stop() {
      const [all1, main1] = read();
      const ms = performance.now() - t0;
      const cores = (a, b) => (a === null || b === null ? null : (b - a) / ms);
      return { cores: cores(all0, all1), mainCores: cores(main0, main1), ms };
    },
  };
}

/** The same for this process (the load generator), from `process.cpuUsage`. */
export function selfCpuMeter() {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    stop() {
      const c = process.cpuUsage(c0);
      const ms = performance.now() - t0;
      return { cores: (c.user + c.system) / 1000 / ms, ms };
    },
  };
}
