export * from './plan.types.js';
export * from './recipe.types.js';
export { plan, DEFAULT_SOURCE_DATE_EPOCH } from './plan.service.js';
export { canonicalJson, canonicalHash } from './canonical-json.js';
export { PACKAGE_MAP, lookupPackage, findPackageEntry, serviceNameFor } from './package-map.js';
export { resolvePackages } from './package.resolver.js';
export { recipeFor, RECIPES, FAMILY_OF_BASE } from './recipes/recipe.registry.js';
export { writePlanContext } from './context.writer.js';
