/**
 * The machine a benchmark ran on: CPU model, cores, RAM, Node version, open-file limit.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';

/** What the results depend on. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  node: string;
  os: string;
  /** Soft limit of open files (`ulimit -n`), undefined when it cannot be read. */
  openFileLimit: number | undefined;
  /** 1-minute load average when read: other work on the machine skews every figure. */
  loadAverage1m: number;
}

/** Reads `ulimit -n` through the shell (Node has no API for resource limits). */
export function openFileLimit(): number | undefined {
  try {
    const text = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    const value = text === 'unlimited' ? Infinity : Number(text);
    return Number.isFinite(value) || value === Infinity ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Describes this machine. */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
    openFileLimit: openFileLimit(),
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/**
 * The commit measured: short hash and subject, and whether the work tree had uncommitted changes
 * to tracked files (then the figures are of the commit plus those changes).
 */
export function describeCommit(): string {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8' }).trim();
    const head = git('log', '-1', '--format=%h (%s)');
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return dirty ? `${head} with uncommitted changes` : head;
  } catch {
    return 'unknown (not a git work tree)';
  }
}

/** One line for the report. */
export function describeMachine(info: MachineInfo): string {
  const limit = info.openFileLimit === undefined ? 'unknown' : String(info.openFileLimit);
  return (
    `${info.cpuModel}, ${info.cores} cores, ${info.ramGiB} GiB RAM, Node ${info.node}, ${info.os}, ` +
    `ulimit -n ${limit}, load average ${info.loadAverage1m} at start`
  );
}
