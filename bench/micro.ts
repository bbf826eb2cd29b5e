/// <reference types="node" />
// Entry for the in-process micro benchmarks (bundled by bench/runners/build.mjs with esbuild).
import { runArchiveBench } from './archive.bench';
import { runEngineBench } from './engine.bench';
import { runImpactBench } from './impact.bench';
import { runJwtBench } from './jwt.bench';

const which = process.argv[2] ?? 'all';
const out: Record<string, string> = {};
if (which === 'all' || which === 'engine') out.engine = (await runEngineBench()).markdown;
if (which === 'all' || which === 'jwt') out.jwt = (await runJwtBench()).markdown;
if (which === 'all' || which === 'impact') out.impact = (await runImpactBench()).markdown;
if (which === 'all' || which === 'archive') out.archive = (await runArchiveBench()).markdown;
process.stdout.write(`\n@@RESULT@@${JSON.stringify(out)}\n`);
