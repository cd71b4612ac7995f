import type { NormalizedSpec } from '../../spec/spec.normalize.js';
import type { LoginShell, Recipe } from '../recipe.types.js';

type SpecUser = NormalizedSpec['users'][number];

/** Home directory lbe gives a user: /root for root, else /home/<name>. */
export function homeOf(name: string): string {
  return name === 'root' ? '/root' : `/home/${name}`;
}

/**
 * The login shell of a user: their `shell`, except that the schema default `/bin/bash` follows
 * `customization.shell` when that is zsh or fish (a spec that picks zsh wants its users on zsh).
 */
export function loginShellOf(user: SpecUser, spec: NormalizedSpec, recipe: Recipe): string {
  const wanted = spec.customization?.shell ?? 'bash';
  if (user.shell === '/bin/bash' && wanted !== 'bash') return recipe.shellPath(wanted);
  return user.shell;
}

/** Which known shell a path is (`/usr/bin/zsh` → zsh), so its package can be installed. */
export function shellKind(path: string): LoginShell | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name === 'bash' || name === 'zsh' || name === 'fish' ? name : undefined;
}
