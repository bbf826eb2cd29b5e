/**
 * `verdict validate`, offline: every policy checked exactly as the server checks a write
 * (src/decision/policy-check.ts: compile, then types against the claim mappings of
 * providers/), bindings that name missing policies, duplicate names, route patterns.
 * The result holds the compiled set the tests run on.
 */
import type { PolicyDocument, ProviderInput } from '../../src/contract';
import { checkPolicy, policySet } from '../../src/decision/policy-check';
import { routePatternProblem } from '../../src/decision/route-map';
import type { CompiledPolicy, CompiledPolicySet } from '../../src/policy/compiled';
import type { FileIssue, Project } from './project';

export type Checked = {
  set: CompiledPolicySet;
  /** Policy name → its file and accepted document. */
  policies: Map<string, { file: string; document: PolicyDocument }>;
  providers: ProviderInput[];
  errors: FileIssue[];
  warnings: FileIssue[];
};

export function checkProject(project: Project): Checked {
  const errors: FileIssue[] = [];
  const warnings: FileIssue[] = [];
  const providers = project.providers.map((p) => p.doc);
  const compiled: CompiledPolicy[] = [];
  const policies = new Map<string, { file: string; document: PolicyDocument }>();

  const providerNames = new Map<string, string>();
  for (const p of project.providers) {
    const seen = providerNames.get(p.doc.name);
    if (seen)
      errors.push({ file: p.file, path: 'name', message: `"${p.doc.name}" is also the name in ${seen}` });
    providerNames.set(p.doc.name, p.file);
  }

  for (const { file, doc } of project.policies) {
    const checked = checkPolicy(doc, 1, providers);
    for (const w of checked.warnings) warnings.push({ file, ...w });
    if (!checked.ok) {
      for (const e of checked.errors) errors.push({ file, ...e });
      continue;
    }
    const name = checked.policy.name;
    const seen = policies.get(name);
    if (seen) {
      errors.push({ file, path: 'name', message: `policy "${name}" is also defined in ${seen.file}` });
      continue;
    }
    if (!file.endsWith(`/${name}.json`) && file !== `${name}.json`)
      warnings.push({
        file,
        path: 'name',
        message: `the policy is "${name}"; ${name}.json would be easier to find`,
      });
    policies.set(name, { file, document: checked.document });
    compiled.push(checked.policy);
  }

  const permissionsFile = project.config.permissions;
  const bound = new Set<string>();
  project.permissions.forEach((b, i) => {
    const key = `${b.resource} ${b.action}`;
    if (bound.has(key))
      errors.push({
        file: permissionsFile,
        path: `${i}`,
        message: `${b.resource}/${b.action} is bound twice`,
      });
    bound.add(key);
    b.policies.forEach((name, j) => {
      // A policy that failed its own check is reported there, not again here.
      if (!policies.has(name) && !project.policies.some((p) => (p.doc as { name?: unknown })?.name === name))
        errors.push({
          file: permissionsFile,
          path: `${i}.policies.${j}`,
          message: `no policy named "${name}"`,
        });
    });
  });
  for (const name of policies.keys())
    if (!project.permissions.some((b) => b.policies.includes(name)))
      warnings.push({
        file: policies.get(name)?.file ?? '',
        path: '',
        message: `policy "${name}" is not bound in ${permissionsFile}: no request reaches it`,
      });

  project.routes?.forEach((r, i) => {
    const problem = routePatternProblem(r.path);
    if (problem) errors.push({ file: project.config.routes ?? '', path: `${i}.path`, message: problem });
  });

  const set = policySet(compiled, project.permissions, project.config.timezone ?? 'UTC');
  return { set, policies, providers, errors, warnings };
}
