import type { Issue } from './api.types.js';

/** Codes the SDK itself raises; every other code comes from the server (docs/errors.md). */
export const SDK_ERROR_CODES = {
  /** The server could not be reached (DNS, refused, reset). */
  network: 'LBE_SDK_NETWORK',
  /** A request or `waitForBuild` ran past its time limit. */
  timeout: 'LBE_SDK_TIMEOUT',
  /** The caller's AbortSignal fired. */
  aborted: 'LBE_SDK_ABORTED',
  /** A response that is not the API's JSON (e.g. a proxy's HTML error page). */
  badResponse: 'LBE_SDK_BAD_RESPONSE',
  /** The event socket closed or failed before BUILD_COMPLETE. */
  websocket: 'LBE_SDK_WEBSOCKET',
  /** No WebSocket constructor: pass one in the options (Node < 22). */
  noWebSocket: 'LBE_SDK_NO_WEBSOCKET',
} as const;

/** Every error the SDK throws. `code` is the server's `LBE_<AREA>_<WHAT>` or one of SDK_ERROR_CODES. */
export class LbeError extends Error {
  override readonly name: string = 'LbeError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * An error answer of the API (`{error: {code, message, requestId, issues?}}`), or an ERROR event of the
 * event socket (then `status` is 0). `issues` lists each problem with its JSON path (user errors only).
 */
export class LbeApiError extends LbeError {
  override readonly name: string = 'LbeApiError';
  constructor(
    code: string,
    message: string,
    readonly status: number,
    readonly requestId: string | undefined,
    readonly issues: readonly Issue[] = [],
  ) {
    super(code, message);
  }
}
