// Types for scripts/deploy.mjs (imported by test/system/deploy.test.ts).
export type RunResult = { code: number; output: string };
export type Runner = (args: string[], options: { interactive: boolean }) => Promise<RunResult>;
export type DeployConfig = {
  configPath: string;
  name: string;
  compatibilityDate: string | undefined;
  queues: string[];
  databases: { binding: string; name: string; migrationsDir: string }[];
};
export function readDeployConfig(configPath?: string): Promise<DeployConfig>;
export function wranglerRunner(options?: { cwd?: string; env?: NodeJS.ProcessEnv }): Runner;
export function writeMigrationsConfig(config: DeployConfig, ids: Record<string, string>, dir: string): string;
export function deploy(options: {
  run: Runner;
  config: DeployConfig;
  deployArgs?: string[];
  workDir?: string;
  log?: (line: string) => void;
  error?: (line: string) => void;
}): Promise<number>;
