import { Type } from '@sinclair/typebox';
import { errors } from './errors.js';

const file = { schema: Type.String({ format: 'binary' }) };

export const WebUiApi = {
  files: {
    tags: ['web UI'],
    summary: 'The web UI: its files, and index.html for any other page path',
    description:
      'Public: the UI asks the API who is signed in. Paths under /api/ that no route claims answer the JSON 404. Files are served from memory with an ETag; names under /assets/ are immutable.',
    response: {
      200: {
        description: 'A file of the UI, or index.html for a page path.',
        content: {
          'text/html': file,
          'text/javascript': file,
          'text/css': file,
          'image/svg+xml': file,
          'application/octet-stream': file,
        },
      },
      304: Type.Null({ description: 'Not modified: the If-None-Match ETag is current.' }),
      ...errors(404),
      503: {
        description: 'The UI is not built (`npm run build`); the API still answers.',
        content: { 'text/plain': { schema: Type.String() } },
      },
    },
  },
};
