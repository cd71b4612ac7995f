export * from './api.types.js';
export { LbeApiError, LbeError, SDK_ERROR_CODES } from './sdk.errors.js';
export {
  LbeClient,
  type ByteRange,
  type DownloadOptions,
  type GetBuildOptions,
  type LbeClientOptions,
  type ListBuildsOptions,
  type RequestOptions,
  type WaitOptions,
  type WebSocketConstructor,
} from './lbe.client.js';
