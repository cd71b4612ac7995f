export {
  DockerBuilder,
  isDockerAvailable,
  pushedDigest,
  registryAuthHeader,
  splitImageReference,
  type DockerBuilderOptions,
} from './docker.builder.js';
export {
  DEFAULT_DOCKER_HOST,
  DockerApiClient,
  DockerApiError,
  parseDockerHost,
  type DockerEndpoint,
  type DockerStreamMessage,
} from './docker-api.client.js';
