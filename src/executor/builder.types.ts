import type { OutputStream } from './process/process-runner.js';

/**
 * The contract every build backend implements (buildah, docker). One conformance suite runs against each.
 * All methods spawn tools through the ProcessRunner (argv only), honour `signal`, stream output to `onLine`,
 * and clean up what they created (working containers, mounts, temp dirs) before they return or throw.
 * Errors are LbeErrors (LBE_BUILD_TOOL_MISSING names the apt package that provides the missing tool).
 */

export interface ResourceLimits {
  /** e.g. `2g` */
  readonly memory: string;
  readonly cpus: number;
  readonly pids: number;
  readonly timeoutMs: number;
}

export interface StreamOptions {
  readonly signal?: AbortSignal;
  readonly onLine?: (line: string, stream: OutputStream) => void;
}

export interface StageBuildRequest extends StreamOptions {
  /** Image (id or reference) the stage starts FROM. */
  readonly fromImage: string;
  /** Dockerfile lines after the FROM line. */
  readonly instructions: readonly string[];
  /** Build context directory (the plan's context files are written there). */
  readonly contextDir: string;
  /** Tag for the resulting image. */
  readonly tag: string;
  /** `none` cuts all network; `mirrors` lets the package manager reach its mirrors. */
  readonly network: 'mirrors' | 'none';
  /** Hard limits for stages that run user code; undefined = the engine defaults without user limits. */
  readonly limits?: ResourceLimits;
  /** SOURCE_DATE_EPOCH for timestamps of the produced layers. */
  readonly sourceDateEpoch: number;
}

export interface RegistryCredentials {
  readonly username: string;
  /** Passed to the tool on stdin, never in argv or the log. */
  readonly password: string;
}

export interface Builder {
  readonly name: 'buildah' | 'docker';
  /** Tool name and version, for manifest.json. */
  version(): Promise<string>;
  /** Whether the image exists locally. */
  imageExists(ref: string): Promise<boolean>;
  /** The local image id (sha256 hex) of `ref`; throws when missing. */
  imageId(ref: string): Promise<string>;
  /** Pulls `reference`; resolves false (does not throw) when the registry is unreachable or refuses. */
  pull(reference: string, options?: StreamOptions): Promise<boolean>;
  /** Imports a root filesystem tarball as an image tagged `tag`; returns the image id. */
  importRootfs(tarPath: string, tag: string, options?: StreamOptions): Promise<string>;
  /** Builds one recipe stage; returns the new image id. */
  buildStage(request: StageBuildRequest): Promise<string>;
  /** Writes a `docker load`-able docker-archive of `image` tagged `tag`. */
  exportDockerArchive(image: string, file: string, tag: string, options?: StreamOptions): Promise<void>;
  /** Unpacks the image's root filesystem into `dir` (which must be empty). */
  exportRootfs(image: string, dir: string, options?: StreamOptions): Promise<void>;
  /**
   * Calls `use` with a directory holding the image's root filesystem (owners, modes, times and hard links as
   * in the image) and resolves with what `use` resolves with. The directory exists only until `use` settles;
   * `use` only reads it (a write would land in a throw-away copy, never in the image). buildah mounts a
   * working container (no copy); backends that cannot mount unpack into a temp dir. The container, mount or
   * temp dir is removed before this resolves or rejects, also on abort.
   */
  withRootfs<T>(image: string, use: (dir: string) => Promise<T>, options?: StreamOptions): Promise<T>;
  /** Pushes `image` to `destination` (`host:port/repo:tag`); returns the pushed manifest digest. */
  push(
    image: string,
    destination: string,
    options?: StreamOptions & { credentials?: RegistryCredentials; tlsVerify?: boolean },
  ): Promise<string>;
  /** Removes an image tag; missing images are not an error. */
  removeImage(ref: string): Promise<void>;
}
