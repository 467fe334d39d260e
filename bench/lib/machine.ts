import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
  redis?: string;
  postgres?: string;
  gitCommit?: string;
  gitDirty?: boolean;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** /proc/cpuinfo names the model on Linux even where os.cpus() reports a bare family name. */
function cpuModel(): string {
  const fromOs = cpus()[0]?.model?.trim() ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    const fromProc = line?.split(':')[1]?.trim();
    return fromProc && fromProc.length > fromOs.length ? fromProc : fromOs;
  } catch {
    return fromOs;
  }
}

export const loadAverage = () => loadavg().map((l) => Math.round(l * 100) / 100);

export function describeMachine(): MachineInfo {
  const status = git(['status', '--porcelain']);
  return {
    cpuModel: cpuModel(),
    cores: cpus().length,
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
    loadAverageAtStart: loadAverage(),
    gitCommit: git(['rev-parse', '--short', 'HEAD']),
    gitDirty: status === undefined ? undefined : status.length > 0,
  };
}
