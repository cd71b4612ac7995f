import type { Base } from '../../spec/spec.schema.js';
import type { DistroFamily } from '../plan.types.js';
import type { Recipe } from '../recipe.types.js';
import { alpineRecipe } from './alpine.recipe.js';
import { archRecipe } from './arch.recipe.js';
import { debianRecipe } from './debian.recipe.js';
import { fedoraRecipe } from './fedora.recipe.js';
import { gentooRecipe } from './gentoo.recipe.js';
import { opensuseRecipe } from './opensuse.recipe.js';
import { voidRecipe } from './void.recipe.js';

/** The family each base belongs to: Ubuntu shares Debian's recipe. */
export const FAMILY_OF_BASE: Readonly<Record<Base, DistroFamily>> = {
  debian: 'debian',
  ubuntu: 'debian',
  alpine: 'alpine',
  arch: 'arch',
  fedora: 'fedora',
  opensuse: 'opensuse',
  void: 'void',
  gentoo: 'gentoo',
};

export const RECIPES: Readonly<Record<DistroFamily, Recipe>> = {
  debian: debianRecipe,
  alpine: alpineRecipe,
  arch: archRecipe,
  fedora: fedoraRecipe,
  opensuse: opensuseRecipe,
  void: voidRecipe,
  gentoo: gentooRecipe,
};

export function recipeFor(base: Base): Recipe {
  return RECIPES[FAMILY_OF_BASE[base]];
}
