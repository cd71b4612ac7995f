/**
 * The wire shapes of the lbe HTTP API (docs/api.md), as the server's route schemas define them in
 * src/api/routes/. Kept by hand so the SDK has no dependencies; test/sdk/sdk.test.ts fails to compile when
 * a server schema stops fitting these types.
 */

export const BUILD_STATUSES = ['PENDING', 'QUEUED', 'IN_PROGRESS', 'SUCCESS', 'FAILED', 'CANCELLED'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

export const TERMINAL_BUILD_STATUSES: readonly BuildStatus[] = ['SUCCESS', 'FAILED', 'CANCELLED'];

/** True for SUCCESS, FAILED and CANCELLED: the build will not change any more. */
export function isTerminalStatus(status: BuildStatus): boolean {
  return TERMINAL_BUILD_STATUSES.includes(status);
}

export const DOWNLOAD_TYPES = [
  'iso',
  'docker',
  'rootfs',
  'sbom',
  'manifest',
  'dockerfile',
  'log',
  'checksums',
] as const;
export type DownloadType = (typeof DOWNLOAD_TYPES)[number];

/** A BuildSpec (name, base, packages, users, outputs, …). The server validates it; unknown keys are errors. */
export type BuildSpec = Readonly<Record<string, unknown>>;

/** A plain-English request that the server's LLM turns into a spec (501 when none is configured). */
export interface PromptInput {
  readonly prompt: string;
}

/** One problem with its JSON path, e.g. `{path: "users[0].name", message: "…"}`. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

export interface ValidationReport {
  readonly valid: boolean;
  readonly errors: readonly Issue[];
  readonly warnings: readonly Issue[];
  readonly planHash: string | null;
  readonly buildKey: string | null;
}

export interface StartBuildResult {
  readonly buildId: string;
  readonly status: BuildStatus;
  /** True when an earlier successful build with the same build key was returned (HTTP 200, not 202). */
  readonly reused: boolean;
  /** The normalized spec. */
  readonly spec: Readonly<Record<string, unknown>>;
  readonly warnings: readonly Issue[];
  readonly statusUrl: string;
  readonly eventsUrl: string;
}

export interface Artifact {
  readonly type: string;
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly sha256: string | null;
  /** Relative to the server; null for records (image-ref) and expired files. */
  readonly downloadUrl: string | null;
  readonly ref: string | null;
  readonly expired: boolean;
}

export interface LogLine {
  readonly seq: number;
  readonly ts: string;
  readonly level: string;
  readonly step: string | null;
  readonly message: string;
}

export interface BuildDetails {
  readonly buildId: string;
  readonly name: string;
  readonly status: BuildStatus;
  readonly step: string | null;
  readonly progress: number;
  readonly base: string | null;
  readonly buildKey: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly warnings: readonly string[];
  readonly attempts: number;
  readonly cancelRequested: boolean;
  readonly createdAt: string;
  readonly queuedAt: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  /** Milliseconds per step. */
  readonly timings: Readonly<Record<string, number>>;
  /** A page of log lines; pass `lastSeq` as `logsAfter` to read on. */
  readonly logs: { readonly lines: readonly LogLine[]; readonly lastSeq: number };
  readonly artifacts: readonly (Artifact & { readonly createdAt: string })[];
}

export interface BuildSummary {
  readonly buildId: string;
  readonly name: string;
  readonly status: BuildStatus;
  readonly step: string | null;
  readonly progress: number;
  readonly base: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly statusUrl: string;
}

export interface BuildPage {
  /** Newest first. */
  readonly items: readonly BuildSummary[];
  /** Pass to `listBuilds` for the next page; null on the last one. */
  readonly nextCursor: string | null;
}

export interface CancelResult {
  readonly buildId: string;
  readonly status: BuildStatus;
  /** True while a running build is being stopped by its worker (HTTP 202). */
  readonly cancelRequested: boolean;
}

export interface PresetSummary {
  readonly name: string;
  readonly description: string;
}

export interface Preset extends PresetSummary {
  readonly spec: Readonly<Record<string, unknown>>;
}

/** What the server sends on `/ws` for a subscribed build. */
export type BuildEvent =
  | {
      readonly type: 'SUBSCRIBED';
      readonly buildId: string;
      readonly status: BuildStatus;
      readonly step: string | null;
      readonly progress: number;
    }
  | {
      readonly type: 'LOG';
      readonly buildId: string;
      readonly line: string;
      readonly ts: number;
      readonly seq?: number;
      readonly step?: string | null;
      readonly level?: string;
    }
  | { readonly type: 'STEP'; readonly buildId: string; readonly step: string; readonly progress: number }
  | { readonly type: 'BUILD_STATUS'; readonly buildId: string; readonly status: BuildStatus }
  | BuildCompleteEvent
  | { readonly type: 'UNSUBSCRIBED'; readonly buildId: string }
  | { readonly type: 'ERROR'; readonly code: string; readonly message: string; readonly buildId?: string };

export interface BuildCompleteEvent {
  readonly type: 'BUILD_COMPLETE';
  readonly buildId: string;
  readonly status: BuildStatus;
  readonly artifacts: readonly Artifact[];
  readonly errorCode?: string | null;
}
