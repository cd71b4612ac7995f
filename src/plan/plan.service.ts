import { LbeError } from '../errors/index.js';
import type { NormalizedSpec } from '../spec/spec.normalize.js';
import { SUPPORTED_INIT } from '../spec/spec.rules.js';
import { canonicalHash } from './canonical-json.js';
import { renderConfigureScript } from './configure-script.renderer.js';
import { renderDockerfile } from './dockerfile.renderer.js';
import { planBackup } from './generators/backup.generator.js';
import { planBuildInfo } from './generators/build-info.generator.js';
import { planFail2ban } from './generators/fail2ban.generator.js';
import { planFirewall } from './generators/firewall/firewall.generator.js';
import { planMac } from './generators/mac.generator.js';
import { planServiceGroups, renderServiceLines, resolveServices } from './generators/services.generator.js';
import { planShell } from './generators/shell.generator.js';
import { planSshd } from './generators/sshd.generator.js';
import { planSysctl } from './generators/sysctl.generator.js';
import { planSystemIdentity } from './generators/system-identity.generator.js';
import { planUserFiles } from './generators/user-files.generator.js';
import { planUsers } from './generators/users.generator.js';
import { resolvePackages } from './package.resolver.js';
import { mergeFragments, type ImageFile, type PlanFragment } from './plan-fragment.js';
import type { BuildPlan, ContextFile, PlanIssue, RecipeStage, StageName } from './plan.types.js';
import type { PlanOptions, Recipe } from './recipe.types.js';
import { recipeFor } from './recipes/recipe.registry.js';
import { shellWord } from './shell-word.js';

/** SOURCE_DATE_EPOCH when neither the spec nor the options give one (2023-11-14T22:13:20Z). */
export const DEFAULT_SOURCE_DATE_EPOCH = 1_700_000_000;

/** Paths the build runtime bind-mounts during RUN: they must be COPY'd, never written by a script. */
const COPY_DIRECT_PATHS = new Set(['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']);

function baseFragment(spec: NormalizedSpec, recipe: Recipe): PlanFragment {
  return {
    packages: [
      ...recipe.basePackages.map((name) => ({ name, origin: 'base' })),
      ...recipe.initPackages(spec.init).map((name) => ({ name, origin: 'init' })),
      ...spec.packages.map((p) => ({
        name: p.name,
        ...(p.version === undefined ? {} : { version: p.version }),
        origin: p.group === undefined ? 'packages' : `packages.${p.group}`,
      })),
    ],
  };
}

function isoFragment(spec: NormalizedSpec, recipe: Recipe): PlanFragment {
  if (!spec.outputs.iso) return {};
  const live = recipe.livePackages(spec);
  return {
    packages: live.packages.map((name) => ({ name, origin: 'outputs.iso' })),
    warnings: live.warnings.map((message) => ({ path: 'outputs.iso', message })),
  };
}

/** One file per image path: a later file (the user's `files[]` come last) replaces an earlier one, warned. */
function dedupeFiles(files: readonly ImageFile[]): { files: ImageFile[]; warnings: PlanIssue[] } {
  const byPath = new Map<string, ImageFile>();
  const warnings: PlanIssue[] = [];
  for (const file of files) {
    const previous = byPath.get(file.imagePath);
    if (previous !== undefined) {
      warnings.push({
        path: file.origin,
        message: `${file.imagePath} replaces the file generated from ${previous.origin}`,
      });
      byPath.delete(file.imagePath);
    }
    byPath.set(file.imagePath, COPY_DIRECT_PATHS.has(file.imagePath) ? { ...file, copyDirect: true } : file);
  }
  return { files: [...byPath.values()], warnings };
}

function toContextFile(file: ImageFile): ContextFile {
  return {
    contextPath: `rootfs${file.imagePath}`,
    imagePath: file.imagePath,
    content: file.content,
    encoding: file.encoding,
    mode: file.mode,
    owner: file.owner,
    origin: file.origin,
  };
}

function helperFile(contextPath: string, content: string, origin: string): ContextFile {
  return { contextPath, content, encoding: 'utf8', mode: '0755', owner: 'root:root', origin };
}

/**
 * Turns a normalized spec into its BuildPlan. Pure and deterministic: the same spec and options give the
 * same plan and hash, whatever the key order of the spec's source. Throws LbeError(LBE_PLAN_UNSUPPORTED)
 * when the base cannot run the spec's init system (the spec rules normally reject that earlier).
 *
 * sourceDateEpoch = spec.sourceDateEpoch ?? options.sourceDateEpoch ?? DEFAULT_SOURCE_DATE_EPOCH.
 */
export function plan(spec: NormalizedSpec, options: PlanOptions = {}): BuildPlan {
  if (!SUPPORTED_INIT[spec.base].includes(spec.init)) {
    throw new LbeError('LBE_PLAN_UNSUPPORTED', `${spec.init} is not available on ${spec.base}`, {
      issues: [{ path: 'init', message: `${spec.init} is not available on ${spec.base}` }],
    });
  }
  const recipe = recipeFor(spec.base);
  const base = recipe.baseImage(spec, options);
  const specHash = canonicalHash(spec);
  const sourceDateEpoch = spec.sourceDateEpoch ?? options.sourceDateEpoch ?? DEFAULT_SOURCE_DATE_EPOCH;

  const merged = mergeFragments([
    baseFragment(spec, recipe),
    planSystemIdentity(spec, recipe),
    planUsers(spec, recipe),
    planSshd(spec, recipe),
    planFirewall(spec, recipe),
    planFail2ban(spec, recipe),
    planMac(spec, recipe),
    planSysctl(spec),
    planBackup(spec, recipe),
    planShell(spec, recipe),
    planServiceGroups(spec, recipe),
    isoFragment(spec, recipe),
    planBuildInfo(spec, specHash),
    planUserFiles(spec),
  ]);

  const resolved = resolvePackages(merged.packages, spec.base, recipe);
  const services = resolveServices(spec, merged.enable);
  const serviceLines = renderServiceLines(spec.init, recipe, services.enabled, services.disabled);
  const deduped = dedupeFiles(merged.files);
  const imageFiles = deduped.files;
  const title = `${spec.slug} (${spec.base} ${spec.release}, ${spec.init})`;

  const configureScript = renderConfigureScript({
    title,
    accountLines: merged.accountLines,
    files: imageFiles.filter((f) => f.copyDirect !== true),
    systemLines: merged.systemLines,
    serviceLines: serviceLines.lines,
  });
  const scripts = (spec.postInstall?.scripts ?? []).map((content, i) =>
    helperFile(`lbe/scripts/${String(i + 1).padStart(2, '0')}.sh`, content, `postInstall.scripts[${i}]`),
  );
  const rootfsFiles = imageFiles.map(toContextFile);
  const files: ContextFile[] = [
    ...rootfsFiles,
    helperFile('lbe/configure.sh', configureScript, 'configure'),
    ...scripts,
  ];

  const direct = imageFiles.filter((f) => f.copyDirect === true);
  const created = new Date(sourceDateEpoch * 1000).toISOString();
  const stages: RecipeStage[] = [
    {
      name: 'packages',
      network: 'mirrors',
      limited: false,
      instructions: [
        `RUN ${recipe.installCommand(resolved.packages.install.map(shellWord))}`,
        ...merged.packageStageCommands.map((c) => `RUN ${c}`),
      ],
      contextFiles: [],
    },
    {
      name: 'configure',
      network: 'none',
      limited: false,
      instructions: [
        ...direct.map((f) => `COPY rootfs${f.imagePath} ${f.imagePath}`),
        'COPY rootfs/ /lbe/rootfs/',
        'COPY lbe/configure.sh /lbe/configure.sh',
        'RUN sh /lbe/configure.sh && rm -rf /lbe',
        ...(spec.locale === undefined ? [] : [`ENV LANG=${spec.locale}`]),
        `LABEL org.opencontainers.image.title="${spec.slug}" org.opencontainers.image.created="${created}" lbe.spec-hash="${specHash}" lbe.base="${spec.base}:${spec.release}"`,
        `CMD ["${recipe.defaultCommand}"]`,
      ],
      contextFiles: [...rootfsFiles.map((f) => f.contextPath), 'lbe/configure.sh'],
    },
  ];
  if (scripts.length > 0) {
    stages.push({
      name: 'scripts',
      network: 'none',
      limited: true,
      instructions: [
        'COPY lbe/scripts/ /lbe/scripts/',
        `RUN ${[...scripts.map((s) => `sh -e /${s.contextPath}`), 'rm -rf /lbe'].join(' && ')}`,
      ],
      contextFiles: scripts.map((s) => s.contextPath),
    });
  }

  const stageOrder: StageName[] = [
    'base',
    'packages',
    'configure',
    ...(scripts.length > 0 ? (['scripts'] as const) : []),
    'export',
    ...(spec.outputs.iso ? (['iso'] as const) : []),
    'publish',
  ];

  const dockerfile = renderDockerfile(base.reference, stages, [
    `Generated by Linux Builder Engine (lbe) from the spec ${title}; spec hash ${specHash}.`,
    'Build it with the directory holding this file and its rootfs/ and lbe/ folders as context:',
    `  docker build -t lbe/${spec.slug} .`,
  ]);

  const body = {
    planVersion: 1 as const,
    spec,
    family: recipe.family,
    base,
    packages: resolved.packages,
    files,
    stages,
    dockerfile,
    stageOrder,
    sourceDateEpoch,
    kernelParams: [...new Set([...(spec.defaults?.kernelParams ?? []), ...merged.kernelParams])],
    services: { enabled: services.enabled, disabled: services.disabled },
    warnings: [
      ...merged.warnings,
      ...resolved.warnings,
      ...services.warnings,
      ...serviceLines.warnings,
      ...deduped.warnings,
    ],
  };
  const hash = canonicalHash(body);
  return { ...body, imageTag: `lbe/${spec.slug}:${hash.slice(0, 12)}`, hash };
}
