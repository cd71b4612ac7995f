import { QUEUE_TARGETS } from './testing/queue-targets.fixture.js';
import { describeJobQueueConformance } from './testing/job-queue.conformance.suite.js';

for (const target of QUEUE_TARGETS.filter((t) => t.name.startsWith('bullmq'))) {
  describeJobQueueConformance(target);
}
