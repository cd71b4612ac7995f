import { DockerBuilder } from '../../src/executor/docker/index.js';
import { NodeProcessRunner } from '../../src/executor/process/process-runner.js';
import { startPodmanService } from '../helpers/podman-service.js';
import { describeBuilderConformance } from './builder.conformance.js';

// DockerBuilder against a private `podman system service` (Docker Engine API). Podman 4.3 (Debian bookworm)
// accepts networkmode=none on /build but runs RUN lines in the host's network namespace, so the backend must
// refuse no-network stages there: networkNone 'refuses'. Against a real Docker Engine it would be 'isolates'.
// It also keeps running a build whose client went away (timeout/abort): cancelsRunningStage false.
describeBuilderConformance('docker (podman system service)', async () => {
  const runner = new NodeProcessRunner();
  const service = await startPodmanService(runner);
  const builder = new DockerBuilder({ dockerHost: service.dockerHost, runner });
  return { builder, networkNone: 'refuses', cancelsRunningStage: false, cleanup: () => service.stop() };
});
