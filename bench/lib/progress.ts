const started = process.hrtime.bigint();

export function elapsedSeconds(): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** One progress line on stderr, prefixed with the time since the run began. */
export function progress(message: string): void {
  process.stderr.write(`[${elapsedSeconds().toFixed(1).padStart(6)} s] ${message}\n`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
