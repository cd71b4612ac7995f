export {
  pushImage,
  inspectRegistryDigest,
  type PushImageRequest,
  type PushedImage,
} from './registry.push.js';
export { runBuildahPush, toPushError, type BuildahPushRequest } from './buildah-push.command.js';
export { withRegistryAuthFile } from './registry-auth.session.js';
export {
  buildahPushArgs,
  credentialSecrets,
  parseRegistryDestination,
  parseSkopeoInspectDigest,
  registryLoginArgs,
  skopeoInspectArgs,
  type RegistryDestination,
} from './registry.tools.js';
