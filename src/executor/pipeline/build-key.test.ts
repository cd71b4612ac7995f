import { describe, expect, it } from 'vitest';
import type { ContextFile, RecipeStage } from '../../plan/plan.types.js';
import { buildKey, stageCacheTag, stageKey } from './build-key.js';

const file = (contextPath: string, content: string): ContextFile => ({
  contextPath,
  content,
  encoding: 'utf8',
  mode: '0755',
  owner: 'root:root',
  origin: 't',
});
const stage = (
  name: RecipeStage['name'],
  contextFiles: string[],
  instructions = ['RUN true'],
): RecipeStage => ({
  name,
  network: 'none',
  limited: false,
  instructions,
  contextFiles,
});

describe('build and stage keys', () => {
  const files = [file('lbe/scripts/01.sh', 'echo a'), file('lbe/configure.sh', 'echo c')];

  it('a build key changes with the plan, the base image and the engine version', () => {
    const k = buildKey('p', 'b');
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(buildKey('p', 'b')).toBe(k);
    expect(buildKey('p2', 'b')).not.toBe(k);
    expect(buildKey('p', 'b2')).not.toBe(k);
    expect(buildKey('p', 'b', 'other')).not.toBe(k);
  });

  it('a script change changes only the stage that COPYs the script', () => {
    const changed = [file('lbe/scripts/01.sh', 'echo b'), files[1]!];
    const packages = stage('packages', []);
    const scripts = stage('scripts', ['lbe/scripts/01.sh']);
    expect(stageKey('base', packages, changed, 1)).toBe(stageKey('base', packages, files, 1));
    expect(stageKey('img', scripts, changed, 1)).not.toBe(stageKey('img', scripts, files, 1));
  });

  it('depends on the previous image, the instructions, the mode and SOURCE_DATE_EPOCH', () => {
    const s = stage('configure', ['lbe/configure.sh']);
    const k = stageKey('a', s, files, 1);
    expect(stageKey('b', s, files, 1)).not.toBe(k);
    expect(stageKey('a', stage('configure', ['lbe/configure.sh'], ['RUN false']), files, 1)).not.toBe(k);
    expect(stageKey('a', s, [files[0]!, { ...files[1]!, mode: '0644' }], 1)).not.toBe(k);
    expect(stageKey('a', s, files, 2)).not.toBe(k);
    expect(stageCacheTag(k)).toBe(`localhost/lbe-cache/stage:${k}`);
  });
});
