#!/usr/bin/env node
/**
 * `opsdeck check-config [file]` (`npm run check-config -- [file]`, `node dist/check-config.js [file]`): validates an
 * ops.yml (the file given, else OPS_CONFIG, else ./ops.yml) and the environment variables Opsdeck and the file need,
 * without starting anything or connecting anywhere — for CI pipelines, as `amtool check-config` and `promtool check
 * config` are. Prints every problem with its path (and line), warnings too; exits 1 on any problem, 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { loadCatalog } from './catalog.js';
import { loadEnv } from './config/env.js';
import { ConfigError } from './config/errors.js';

const USAGE = 'usage: opsdeck check-config [ops.yml]';

export interface CheckResult {
  file: string;
  problems: string[];
  warnings: string[];
}

/** Every problem of the environment and of the ops.yml at `file` (default: OPS_CONFIG, else ./ops.yml). */
export async function checkConfig(file: string | undefined, source: Record<string, string | undefined>) {
  const problems: string[] = [];
  let path = file ?? source.OPS_CONFIG?.trim() ?? '';
  try {
    const env = loadEnv(file === undefined ? source : { ...source, OPS_CONFIG: file });
    path = env.opsConfig.path;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (path === '') path = './ops.yml';
  let warnings: string[] = [];
  try {
    warnings = (await loadCatalog(path, source)).warnings;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  return { file: path, problems, warnings } satisfies CheckResult;
}

async function main(): Promise<void> {
  let positionals: string[];
  try {
    ({ positionals } = parseArgs({ allowPositionals: true, strict: true, options: {} }));
  } catch {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  if (positionals[0] === 'check-config') positionals = positionals.slice(1);
  if (positionals.length > 1) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const result = await checkConfig(positionals[0], process.env);
  for (const warning of result.warnings) process.stdout.write(`warning: ${warning}\n`);
  for (const problem of result.problems) process.stdout.write(`error: ${problem}\n`);
  const count = result.problems.length;
  process.stdout.write(
    count === 0 ? `${result.file}: OK\n` : `${result.file}: ${count} problem${count === 1 ? '' : 's'}\n`,
  );
  process.exitCode = count === 0 ? 0 : 1;
}

await main();
