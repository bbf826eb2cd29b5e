// Types for scripts/walkthrough.mjs (imported by test/system/walkthrough.test.ts).
export type Step = { line: number; code: string; expect?: { line: number; text: string } };
export type Block = { line: number; info: string; steps: Step[] };
export function extractBlocks(markdown: string): Block[];
export function retarget(code: string, port: number): string;
export function checkAnswer(expected: string, output: string): string | undefined;
export function startDevServer(options?: {
  /** Called once wrangler is spawned, before readiness: register `stop` for teardown here. */
  onSpawn?: (server: { pid: number | undefined; port: number; stop: () => Promise<void> }) => void;
}): Promise<{ port: number; log: string; stop: () => Promise<void> }>;
export function runWalkthrough(options: {
  readmePath: string;
  port: number;
  log?: (line: string) => void;
}): Promise<{ blocks: number; checks: number }>;
