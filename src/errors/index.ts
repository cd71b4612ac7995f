export { ERROR_TABLE, type ErrorCode, type ErrorDefinition } from './error-table.js';
export { LbeError, isLbeError, type ErrorIssue } from './lbe-error.js';
export { renderErrorsMarkdown } from './errors-doc.js';
