import type { SimulatorProcess } from './processes.js';

export interface Goal {
  scenario: string;
  goal: string;
  measured: string;
  /** null: not measured in this run */
  met: boolean | null;
  note?: string;
}

export interface ScenarioContext {
  /** shorter runs and fewer rounds, for trying the harness; results go to bench/results/tmp */
  quick: boolean;
  simulator: SimulatorProcess;
}

export interface ScenarioOutcome {
  /** machine-readable results for the JSON file */
  result: Record<string, unknown>;
  /** the scenario's section of the Markdown summary */
  markdown: string;
  /** one SVG chart; absent when the scenario could not run */
  svg?: string;
  goals: Goal[];
}

export interface Scenario {
  id: string;
  title: string;
  run(context: ScenarioContext): Promise<ScenarioOutcome>;
}

export const fmt = {
  ratio: (value: number) => `${value.toFixed(2)}×`,
  ms: (value: number) => `${value.toFixed(2)} ms`,
  /** a difference, signed: +1.20 ms, -0.60 ms */
  deltaMs: (value: number) => `${value < 0 ? '-' : '+'}${Math.abs(value).toFixed(2)} ms`,
  int: (value: number) => Math.round(value).toLocaleString('en-US'),
};

const tableLine = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

/** A Markdown table from a header row and rows. */
export function table(header: string[], rows: (string | number)[][]): string {
  return [tableLine(header), tableLine(header.map(() => '---')), ...rows.map(tableLine)].join('\n');
}
