import { describe, expect, it } from 'vitest';
import {
  endpointsByTag,
  errorCodesOf,
  fieldsOf,
  limitsText,
  typeText,
  type OpenApiDocument,
} from './openapi-view';

describe('the API reference view of an OpenAPI document', () => {
  it('says each type in one line', () => {
    expect(typeText({ type: 'string' })).toBe('string');
    expect(typeText({ type: ['integer', 'null'] })).toBe('integer | null');
    expect(typeText({ type: 'string', enum: ['info', 'warn'] })).toBe('"info" | "warn"');
    expect(typeText({ type: 'array', items: { type: 'string', format: 'date-time' } })).toBe(
      'array of string (date-time)',
    );
    expect(typeText({ type: 'object', patternProperties: { '^(.*)$': { type: 'string' } } })).toBe(
      'map of string',
    );
    expect(typeText({ anyOf: [{ title: 'a line' }, { type: 'null' }] })).toBe('a line | null');
    expect(typeText({})).toBe('any');
    expect(limitsText({ minimum: 1, maximum: 500 })).toBe('1–500');
  });

  it('lists the fields of an object, nested, and of a list of objects', () => {
    const fields = fieldsOf({
      type: 'array',
      items: {
        type: 'object',
        required: ['id'],
        properties: {
          id: { type: 'integer' },
          filter: { type: 'object', properties: { q: { type: 'string', maxLength: 200 } } },
        },
      },
    });
    expect(fields.map((f) => [f.name, f.type, f.required])).toEqual([
      ['id', 'integer', true],
      ['filter', 'object', false],
    ]);
    expect(fields[1]!.fields[0]).toMatchObject({
      name: 'q',
      description: 'at most 200 characters',
    });
  });

  it('reads the codes of an error answer', () => {
    const error = {
      type: 'object',
      properties: {
        error: {
          type: 'object',
          properties: {
            code: { type: 'string', enum: ['NOT_FOUND'] },
            message: { type: 'string' },
          },
        },
      },
    };
    expect(errorCodesOf({ content: { 'application/json': { schema: error } } })).toEqual([
      'NOT_FOUND',
    ]);
    expect(errorCodesOf({ content: { 'application/json': { schema: { type: 'object' } } } })).toBe(
      null,
    );
  });

  it('groups operations by tag and says who may call each', () => {
    const doc: OpenApiDocument = {
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: {
        '/api/rules': {
          post: { tags: ['rules'], responses: {}, 'x-access': 'admin' },
          get: { tags: ['rules'], responses: {}, 'x-access': 'viewer' },
        },
        '/healthz': { get: { tags: ['system'], responses: {}, security: [] } },
      },
    };
    const groups = endpointsByTag(doc);
    expect(
      groups.map(([tag, list]) => [tag, list.map((e) => `${e.method} ${e.path} ${e.access}`)]),
    ).toEqual([
      ['rules', ['GET /api/rules viewer', 'POST /api/rules admin']],
      ['system', ['GET /healthz public']],
    ]);
  });
});
