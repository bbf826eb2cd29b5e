/// <reference types="node" />
// Entry for the in-process micro benchmarks (bundled by bench/run.mjs with esbuild).
import { runEngineBench } from './engine.bench';
import { runJwtBench } from './jwt.bench';

const which = process.argv[2] ?? 'all';
const out: Record<string, string> = {};
if (which === 'all' || which === 'engine') out.engine = (await runEngineBench()).markdown;
if (which === 'all' || which === 'jwt') out.jwt = (await runJwtBench()).markdown;
process.stdout.write(`\n@@RESULT@@${JSON.stringify(out)}\n`);
