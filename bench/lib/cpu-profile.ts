// Where a process's CPU goes, from a V8 .cpuprofile (`node --cpu-prof`): self time per function
// and per module (an npm package, a part of Node, or a file of the gateway), idle excluded.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const CpuProfile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({
        functionName: z.string(),
        url: z.string(),
        lineNumber: z.number(),
      }),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

export interface SelfTime {
  name: string;
  /** ms of self time */
  ms: number;
  /** share of the non-idle samples */
  share: number;
}

export interface ProfileSummary {
  /** ms of non-idle CPU sampled */
  busyMs: number;
  functions: SelfTime[];
  modules: SelfTime[];
  /**
   * Self time by module with Node's own, native and V8 frames (socket writes, string encoding,
   * streams) charged to the nearest caller outside Node: the package or file that asked for the work.
   */
  callers: SelfTime[];
}

/** `node_modules/@nestjs/core/...` → `@nestjs/core`; `node:internal/...` → `node:internal/http`; ours → `src/meetings`. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native/V8)';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1];
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    return `node:${parts.slice(0, parts[0] === 'internal' ? 2 : 1).join('/')}`;
  }
  const ours = /\/(src|bench)\/(.+)$/.exec(url);
  if (ours) {
    const dirs = ours[2].split('/');
    return `${ours[1]}/${dirs.length > 1 ? dirs.slice(0, -1).join('/') : dirs[0]}`;
  }
  return url;
}

const IDLE = new Set(['(idle)']);

/**
 * `skipFirstMs`: samples in the first ms of the profile are left out (start-up: module loading and
 * compiling would otherwise crowd the steady state out of the top).
 */
export function summarizeCpuProfile(
  profilePath: string,
  top = 10,
  skipFirstMs = 0,
): ProfileSummary {
  const profile = CpuProfile.parse(JSON.parse(readFileSync(profilePath, 'utf8')));
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const callerModule = new Map<number, string>();
  const callerOf = (id: number): string => {
    const known = callerModule.get(id);
    if (known !== undefined) return known;
    const frame = byId.get(id);
    let module: string;
    if (frame?.url && !frame.url.startsWith('node:'))
      module = moduleOf(frame.url.replace(/^file:\/\//, ''), frame.functionName);
    else {
      const parent = parentOf.get(id);
      module =
        parent === undefined || frame?.functionName.startsWith('(')
          ? moduleOf('', frame?.functionName ?? '')
          : callerOf(parent);
    }
    callerModule.set(id, module);
    return module;
  };
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  const callers = new Map<string, number>();
  let busyUs = 0;
  let elapsedUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id);
    // The delta before a sample is the time it stands for (V8's convention in DevTools).
    const us = profile.timeDeltas[i] ?? 0;
    elapsedUs += us;
    if (elapsedUs < skipFirstMs * 1000) return;
    if (!frame || IDLE.has(frame.functionName)) return;
    busyUs += us;
    const file = frame.url.replace(/^file:\/\//, '');
    const short = file.replace(/^.*node_modules\//, '').replace(/^.*\/(src|bench)\//, '$1/');
    const name = `${frame.functionName || '(anonymous)'}${short ? ` ${short}:${frame.lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const module = moduleOf(file, frame.functionName);
    modules.set(module, (modules.get(module) ?? 0) + us);
    const caller = callerOf(id);
    callers.set(caller, (callers.get(caller) ?? 0) + us);
  });
  const rank = (m: Map<string, number>): SelfTime[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 100) / 10,
        share: Math.round((us / busyUs) * 1000) / 1000,
      }));
  return {
    busyMs: Math.round(busyUs / 1000),
    functions: rank(functions),
    modules: rank(modules),
    callers: rank(callers),
  };
}
