import type { Logger } from 'pino';
import { LbeError, type ErrorIssue } from '../errors/index.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { validateSpec, type NormalizedSpec, type SpecIssue } from '../spec/index.js';
import type {
  Build,
  BuildArtifact,
  BuildStatus,
  CancelOutcome,
  LogPage,
  Page,
  Store,
} from '../store/index.js';
import { computeBuildKey } from './build-key.js';
import type { BuildEventBus } from './build-events.js';
import type { Principal } from './principal.js';

/** The part of a BuildPlan the service needs at submit time. */
export interface PlanSummary {
  readonly hash: string;
  readonly warnings: readonly { readonly path: string; readonly message: string }[];
}

/** Turns a normalized spec into its plan; throws LbeError (e.g. LBE_PLAN_UNSUPPORTED) when it cannot. */
export type SpecPlanner = (spec: NormalizedSpec) => PlanSummary;

/** Turns a plain-English request into a spec input (the AI module); absent when no LLM is configured. */
/** Turns a prompt into a spec (the LLM); `signal` fires when the caller went away, and should stop the call. */
export type SpecGenerator = (prompt: string, principal: Principal, signal?: AbortSignal) => Promise<unknown>;

export interface BuildServiceOptions {
  readonly store: Store;
  readonly queue: JobQueue;
  readonly events: BuildEventBus;
  readonly planner: SpecPlanner;
  readonly engineVersion: string;
  readonly generateSpec?: SpecGenerator | undefined;
  /** Quotas, queue priority and who may cancel what; absent → no limits, priority 0, anyone cancels. */
  readonly policy?: BuildPolicyPort | undefined;
  readonly logger: Logger;
}

/** The limits a submission and a cancel pass through (implemented by `src/auth/build-policy.ts`). */
export interface BuildPolicyPort {
  /** Throws an LbeError (LBE_QUOTA_EXCEEDED, …) when the caller may not add a build; else its queue priority. */
  admit(principal: Principal): Promise<{ readonly priority: number }>;
  /** Called once after a new build row is written; never throws. */
  recordSubmitted(principal: Principal, build: Build): Promise<void>;
  /** Throws LBE_AUTH_FORBIDDEN when the caller may not cancel this build of its own tenant. */
  assertMayCancel(principal: Principal, build: Build): Promise<void>;
}

export type SubmitInput = { readonly spec: unknown } | { readonly prompt: string };

export interface SubmitResult {
  readonly build: Build;
  /** The normalized spec (defaults applied) the build runs. */
  readonly spec: NormalizedSpec;
  /** True when an earlier SUCCESS build with the same build key was returned instead of a new one. */
  readonly reused: boolean;
  readonly warnings: readonly SpecIssue[];
}

export interface ValidationReport {
  readonly valid: boolean;
  readonly errors: readonly SpecIssue[];
  readonly warnings: readonly SpecIssue[];
  readonly planHash: string | null;
  readonly buildKey: string | null;
  readonly spec: NormalizedSpec | null;
}

export interface BuildDetails {
  readonly build: Build;
  readonly logs: LogPage;
  readonly artifacts: readonly BuildArtifact[];
}

/**
 * Build orchestration for callers (API, CLI): validate → plan → build key → reuse or store row →
 * enqueue. Contracts:
 * - every method is tenant-scoped through `principal.tenantId`; another tenant's build is "not found";
 * - `submit` writes the row (QUEUED) before enqueueing; if the queue is down the row stays QUEUED and the
 *   reconciler enqueues it later, so an accepted build is never lost (the failure is logged as a warning);
 * - invalid specs throw LBE_SPEC_INVALID carrying every issue with its JSON path;
 * - the row stores the spec as submitted (or generated), not its normalized form: the worker validates and
 *   normalizes the stored spec again before building (the row is data, not trusted input), and normalizing
 *   is not idempotent (package names become objects, a slug is added).
 */
export class BuildService {
  constructor(private readonly options: BuildServiceOptions) {}

  /** Validates and plans without building. Never throws for a bad spec; planner errors become issues. */
  validate(input: unknown): ValidationReport {
    const result = validateSpec(input);
    if (!result.ok) {
      return {
        valid: false,
        errors: result.errors,
        warnings: result.warnings,
        planHash: null,
        buildKey: null,
        spec: null,
      };
    }
    let plan: PlanSummary;
    try {
      plan = this.options.planner(result.spec);
    } catch (err) {
      if (err instanceof LbeError && err.isUserError) {
        const issues = err.issues.length > 0 ? err.issues : [{ path: '', message: err.message }];
        return {
          valid: false,
          errors: issues,
          warnings: result.warnings,
          planHash: null,
          buildKey: null,
          spec: result.spec,
        };
      }
      throw err;
    }
    return {
      valid: true,
      errors: [],
      warnings: [...result.warnings, ...plan.warnings],
      planHash: plan.hash,
      buildKey: computeBuildKey(plan.hash, this.options.engineVersion),
      spec: result.spec,
    };
  }

  async submit(
    principal: Principal,
    input: SubmitInput,
    options: { force?: boolean; signal?: AbortSignal } = {},
  ): Promise<SubmitResult> {
    const specInput =
      'prompt' in input ? await this.generate(principal, input.prompt, options.signal) : input.spec;
    const report = this.validate(specInput);
    if (!report.valid || report.spec === null || report.planHash === null || report.buildKey === null) {
      const issues: readonly ErrorIssue[] = report.errors;
      throw new LbeError(
        'LBE_SPEC_INVALID',
        `The build spec is invalid: ${issues.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`,
        { issues, details: { warnings: report.warnings } },
      );
    }
    const { spec, planHash, buildKey, warnings } = report;
    const log = this.options.logger.child({ tenantId: principal.tenantId });

    if (options.force !== true) {
      const existing = await this.options.store.builds.findSuccessfulByBuildKey(principal.tenantId, buildKey);
      if (existing !== undefined) {
        log.info({ buildId: existing.id, buildKey }, 'build reused: same build key already succeeded');
        return { build: existing, spec, reused: true, warnings };
      }
    }

    const admitted = await this.options.policy?.admit(principal);
    const build = await this.options.store.builds.create({
      priority: admitted?.priority ?? 0,
      organizationId: principal.tenantId,
      apiKeyId: principal.apiKeyId ?? null,
      name: spec.name,
      spec: specInput,
      status: 'QUEUED',
      planHash,
      buildKey,
      warnings: warnings.map((w) => (w.path === '' ? w.message : `${w.path}: ${w.message}`)),
      base: spec.base,
      kernel: spec.kernel.version,
      init: spec.init,
      architecture: spec.architecture,
      securityLevel: spec.securityLevel,
    });
    try {
      await this.options.queue.enqueue(build.id, {
        maxAttempts: build.maxAttempts,
        priority: build.priority,
      });
    } catch (err) {
      log.warn({ err, buildId: build.id }, 'enqueue failed; the reconciler will enqueue the QUEUED build');
    }
    await this.options.policy?.recordSubmitted(principal, build);
    log.info(
      { buildId: build.id, buildKey, base: spec.base, force: options.force === true },
      'build submitted',
    );
    this.options.events.publish({
      type: 'BUILD_STATUS',
      buildId: build.id,
      tenantId: principal.tenantId,
      status: 'QUEUED',
    });
    return { build, spec, reused: false, warnings };
  }

  /** The build with one page of logs and its artifact rows; throws LBE_BUILD_NOT_FOUND. */
  async details(
    principal: Principal,
    buildId: string,
    logs: { afterSeq?: number; limit?: number } = {},
  ): Promise<BuildDetails> {
    const build = await this.get(principal, buildId);
    const [page, artifacts] = await Promise.all([
      this.options.store.logs.list(principal.tenantId, buildId, logs),
      this.options.store.artifacts.list(principal.tenantId, buildId),
    ]);
    if (page === undefined || artifacts === undefined) throw new LbeError('LBE_BUILD_NOT_FOUND');
    return { build, logs: page, artifacts };
  }

  async get(principal: Principal, buildId: string): Promise<Build> {
    const build = await this.options.store.builds.get(principal.tenantId, buildId);
    if (build === undefined) throw new LbeError('LBE_BUILD_NOT_FOUND');
    return build;
  }

  async artifacts(principal: Principal, buildId: string): Promise<readonly BuildArtifact[]> {
    const artifacts = await this.options.store.artifacts.list(principal.tenantId, buildId);
    if (artifacts === undefined) throw new LbeError('LBE_BUILD_NOT_FOUND');
    return artifacts;
  }

  list(
    principal: Principal,
    options: { cursor?: string | undefined; limit?: number | undefined; status?: BuildStatus | undefined },
  ): Promise<Page<Build>> {
    return this.options.store.builds.list(principal.tenantId, options);
  }

  /**
   * Cancels: a QUEUED build is CANCELLED at once (its queue message removed); an IN_PROGRESS one is flagged
   * and its worker aborts at the next heartbeat. Throws LBE_BUILD_NOT_FOUND / LBE_BUILD_NOT_CANCELLABLE.
   */
  async cancel(principal: Principal, buildId: string): Promise<{ outcome: CancelOutcome; build: Build }> {
    if (this.options.policy !== undefined) {
      await this.options.policy.assertMayCancel(principal, await this.get(principal, buildId));
    }
    const outcome = await this.options.store.builds.requestCancel(principal.tenantId, buildId);
    switch (outcome) {
      case 'not-found':
        throw new LbeError('LBE_BUILD_NOT_FOUND');
      case 'not-cancellable':
        throw new LbeError('LBE_BUILD_NOT_CANCELLABLE');
      case 'cancelled': {
        await this.options.queue.remove(buildId).catch((err: unknown) => {
          this.options.logger.warn({ err, buildId }, 'queue message of a cancelled build not removed');
        });
        this.options.events.publish({
          type: 'BUILD_COMPLETE',
          buildId,
          tenantId: principal.tenantId,
          status: 'CANCELLED',
          artifacts: [],
          errorCode: 'LBE_BUILD_CANCELLED',
        });
        break;
      }
      case 'cancel-requested':
        break;
    }
    this.options.logger.info({ buildId, tenantId: principal.tenantId, outcome }, 'build cancelled');
    return { outcome, build: await this.get(principal, buildId) };
  }

  private async generate(principal: Principal, prompt: string, signal?: AbortSignal): Promise<unknown> {
    if (this.options.generateSpec === undefined) throw new LbeError('LBE_AI_NOT_CONFIGURED');
    return this.options.generateSpec(prompt, principal, signal);
  }
}
