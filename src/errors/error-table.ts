/**
 * The one table of error codes. Contract:
 * - a code is `LBE_<AREA>_<WHAT>`, never reused or renamed once released;
 * - `status` is the HTTP status the API answers with;
 * - `kind` separates the caller's mistakes (`user`) from ours or the environment's (`internal`);
 *   5xx bodies show only `message`, never details;
 * - `retryable` decides a job's fate: true → retry with backoff, false → fail now.
 * `docs/errors.md` is generated from / checked against this table by `error-table.test.ts`.
 */
export interface ErrorDefinition {
  readonly status: number;
  readonly kind: 'user' | 'internal';
  readonly retryable: boolean;
  readonly message: string;
}

const def = (
  status: number,
  kind: 'user' | 'internal',
  retryable: boolean,
  message: string,
): ErrorDefinition => ({
  status,
  kind,
  retryable,
  message,
});

export const ERROR_TABLE = {
  // config
  LBE_CONFIG_INVALID: def(500, 'internal', false, 'The server configuration is invalid'),
  // spec
  LBE_SPEC_INVALID: def(400, 'user', false, 'The build spec is invalid'),
  LBE_SPEC_PARSE: def(400, 'user', false, 'The build spec could not be parsed as JSON or YAML'),
  LBE_SPEC_PRESET_NOT_FOUND: def(404, 'user', false, 'No preset with that name'),
  LBE_SPEC_FILE_NOT_FOUND: def(400, 'user', false, 'The spec file could not be read'),
  // plan
  LBE_PLAN_UNSUPPORTED: def(422, 'user', false, 'The spec cannot be turned into a recipe for this base'),
  // build / executor
  LBE_BUILD_TOOL_MISSING: def(500, 'internal', false, 'A required build tool is not installed'),
  LBE_BUILD_BASE_UNAVAILABLE: def(
    422,
    'user',
    false,
    'The base image can be neither pulled nor bootstrapped on this host',
  ),
  LBE_BUILD_PACKAGES_FAILED: def(422, 'user', false, 'Installing the requested packages failed'),
  LBE_BUILD_MIRROR_UNREACHABLE: def(503, 'internal', true, 'The package mirror could not be reached'),
  LBE_BUILD_SCRIPT_FAILED: def(422, 'user', false, 'A postInstall script failed'),
  LBE_BUILD_STEP_FAILED: def(500, 'internal', false, 'A build step failed'),
  LBE_BUILD_TIMEOUT: def(504, 'user', false, 'The build exceeded its time limit'),
  LBE_BUILD_CANCELLED: def(409, 'user', false, 'The build was cancelled'),
  LBE_BUILD_EXPORT_FAILED: def(500, 'internal', true, 'Exporting the build artifacts failed'),
  LBE_BUILD_PUSH_FAILED: def(502, 'internal', true, 'Pushing the image to the registry failed'),
  LBE_BUILD_PUSH_DESTINATION_INVALID: def(
    400,
    'user',
    false,
    'The registry destination is not host[:port]/repository[:tag]',
  ),
  LBE_BUILD_ENGINE_UNAVAILABLE: def(
    503,
    'internal',
    true,
    'The container engine (Docker API) is not reachable',
  ),
  LBE_BUILD_ISO_FAILED: def(500, 'internal', false, 'Building the live ISO failed'),
  LBE_BUILD_BOOT_TEST_FAILED: def(500, 'internal', false, 'The live ISO did not boot to a login prompt'),
  LBE_BUILD_NOT_FOUND: def(404, 'user', false, 'No build with that id'),
  LBE_BUILD_NOT_CANCELLABLE: def(409, 'user', false, 'The build has already finished'),
  LBE_BUILD_INVALID_ID: def(400, 'user', false, 'The build id is not valid'),
  // artifacts
  LBE_ARTIFACT_NOT_FOUND: def(404, 'user', false, 'No artifact of that type for this build'),
  LBE_ARTIFACT_EXPIRED: def(410, 'user', false, 'The artifact has expired and was deleted'),
  LBE_ARTIFACT_RANGE_INVALID: def(416, 'user', false, 'The requested range cannot be satisfied'),
  // api / http
  LBE_API_BAD_REQUEST: def(400, 'user', false, 'The request is malformed'),
  LBE_API_VALIDATION: def(400, 'user', false, 'The request does not match the schema'),
  LBE_API_NOT_FOUND: def(404, 'user', false, 'No such route'),
  LBE_API_BODY_TOO_LARGE: def(413, 'user', false, 'The request body is too large'),
  LBE_API_UNSUPPORTED_MEDIA_TYPE: def(415, 'user', false, 'The content type is not supported'),
  LBE_API_NOT_IMPLEMENTED: def(501, 'user', false, 'This feature is not available on this server'),
  LBE_API_INTERNAL: def(500, 'internal', false, 'Internal server error'),
  LBE_API_UNAVAILABLE: def(503, 'internal', true, 'The service is not ready'),
  // auth / tenancy / limits
  LBE_AUTH_MISSING: def(401, 'user', false, 'An API key is required'),
  LBE_AUTH_INVALID: def(401, 'user', false, 'The API key is invalid, revoked or expired'),
  LBE_AUTH_FORBIDDEN: def(403, 'user', false, 'The API key lacks the scope for this action'),
  LBE_AUTH_KEY_NOT_FOUND: def(404, 'user', false, 'No API key with that id'),
  LBE_RATE_LIMITED: def(429, 'user', true, 'Too many requests'),
  LBE_QUOTA_EXCEEDED: def(429, 'user', false, 'The monthly build quota is exhausted'),
  LBE_QUOTA_STORAGE_EXCEEDED: def(429, 'user', false, 'The storage quota is exhausted'),
  LBE_ORG_NOT_FOUND: def(404, 'user', false, 'No organization with that id'),
  LBE_ORG_MEMBER_NOT_FOUND: def(404, 'user', false, 'No member with that id in this organization'),
  LBE_ORG_CONFLICT: def(
    409,
    'user',
    false,
    'An organization with that slug, or a member with that email, exists',
  ),
  LBE_ORG_LAST_OWNER: def(409, 'user', false, 'An organization must keep at least one owner'),
  // webhooks
  LBE_WEBHOOK_URL_FORBIDDEN: def(400, 'user', false, 'The webhook URL points at a forbidden address'),
  LBE_WEBHOOK_URL_UNRESOLVABLE: def(400, 'user', false, 'The webhook host name does not resolve'),
  LBE_WEBHOOK_NOT_FOUND: def(404, 'user', false, 'No webhook with that id'),
  LBE_WEBHOOK_DISABLED: def(409, 'user', false, 'The webhook is disabled; re-enable it first'),
  LBE_WEBHOOK_DELIVERY_FAILED: def(502, 'internal', true, 'The webhook could not be delivered'),
  // store / queue
  LBE_STORE_UNAVAILABLE: def(503, 'internal', true, 'The database is unavailable'),
  LBE_STORE_CONFLICT: def(409, 'user', false, 'The object was changed by someone else'),
  LBE_QUEUE_UNAVAILABLE: def(503, 'internal', true, 'The build queue is unavailable'),
  LBE_WORKER_LOST: def(500, 'internal', true, 'The worker running the build stopped responding'),
  // ai
  LBE_AI_NOT_CONFIGURED: def(501, 'user', false, 'No LLM is configured (set OLLAMA_URL or LLM_BASE_URL)'),
  LBE_AI_UNREACHABLE: def(502, 'internal', true, 'The LLM server could not be reached'),
  LBE_AI_TIMEOUT: def(504, 'internal', true, 'The LLM did not answer in time'),
  LBE_AI_INVALID_OUTPUT: def(422, 'user', false, 'The LLM did not produce a valid build spec'),
  LBE_AI_PROMPT_INVALID: def(400, 'user', false, 'The prompt is empty or too long'),
  LBE_AI_CONVERSATION_NOT_FOUND: def(404, 'user', false, 'No conversation with that id'),
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_TABLE;
