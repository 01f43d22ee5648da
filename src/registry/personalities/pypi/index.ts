/** The PyPI personality of `sigil serve` (docs/pypi.md). */
export { pypiRoutes, PYPI_PREFIX, type PypiRoutesOptions } from './routes.js';
export { chooseSimpleFormat, projectHtml, projectJson, type SimpleFile } from './simple.js';
export { checkUploadForm, pypiVersionKey } from './upload.js';
