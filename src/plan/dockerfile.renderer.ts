import type { RecipeStage } from './plan.types.js';

/**
 * The multi-stage Dockerfile: `FROM <base> AS packages`, then each further stage `FROM <previous> AS
 * <name>`, with each stage's instructions. The last stage is the image; `docker build .` in a directory
 * holding the plan's context files builds it on any host that reaches the base registry and mirrors.
 */
export function renderDockerfile(
  baseReference: string,
  stages: readonly RecipeStage[],
  header: readonly string[],
): string {
  const out = ['# syntax=docker/dockerfile:1', ...header.map((h) => `# ${h}`)];
  let from = baseReference;
  for (const stage of stages) {
    out.push('', `FROM ${from} AS ${stage.name}`, ...stage.instructions);
    from = stage.name;
  }
  return `${out.join('\n')}\n`;
}
