import type { MachineInfo } from './machine.js';
import { table, type Goal, type ScenarioOutcome } from './scenario.js';

export function renderMarkdown(input: {
  date: string;
  machine: MachineInfo;
  totalSeconds: number;
  quick: boolean;
  goals: Goal[];
  outcomes: Record<string, ScenarioOutcome>;
  charts: Record<string, string>;
}): string {
  const { machine } = input;
  const goalRows = input.goals.map((g) => [
    g.scenario,
    g.goal,
    g.measured,
    g.met === null ? 'not measured' : g.met ? '**met**' : '**missed**',
    g.note ?? '',
  ]);
  const sections = Object.entries(input.outcomes).map(([id, outcome]) => {
    const chart = input.charts[id];
    return chart ? `${outcome.markdown}\n![${id}](${chart})\n` : outcome.markdown;
  });
  return [
    `# zoom-gateway benchmark, ${input.date}${input.quick ? ' (quick run: short, not for quoting)' : ''}`,
    '',
    'Produced by `npm run bench` (bench/run.ts). Every scenario measures the gateway and its comparison in the same run, ' +
      'alternating, so machine noise falls on both and cancels in the ratio. Quote the ratios; the absolute numbers belong ' +
      'to this machine, where the load generator, the simulator, Redis, PostgreSQL and the gateway share the same cores.',
    '',
    table(
      ['machine', ''],
      [
        ['CPU', `${machine.cores} × ${machine.cpuModel}`],
        ['memory', `${machine.memoryGb} GB`],
        ['Node', machine.node],
        ['OS', machine.platform],
        ['Redis / PostgreSQL', `${machine.redis ?? '?'} / ${machine.postgres ?? '?'}`],
        [
          'load average (1, 5, 15 min) at start / end',
          `${machine.loadAverageAtStart.join(', ')} / ${machine.loadAverageAtEnd?.join(', ') ?? '?'}`,
        ],
        [
          'commit',
          `${machine.gitCommit ?? '?'}${machine.gitDirty ? ' (with uncommitted changes)' : ''}`,
        ],
        ['total run time', `${input.totalSeconds} s`],
      ],
    ),
    '',
    '## Goals',
    '',
    table(['scenario', 'goal', 'measured', 'verdict', 'note'], goalRows),
    '',
    ...sections,
  ].join('\n');
}
