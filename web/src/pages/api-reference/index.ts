export { ApiReferencePage, OPENAPI_URL } from './api-reference-page';
