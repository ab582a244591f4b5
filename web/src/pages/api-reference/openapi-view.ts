/** The parts of an OpenAPI 3.1 document the reference page shows. */

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  description?: string;
  title?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

export interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
}

interface Content {
  content?: Record<string, { schema?: JsonSchema }>;
  description?: string;
}

export interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: Content;
  responses: Record<string, Content>;
  security?: unknown[];
  'x-access'?: string;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: {
    schemas?: Record<string, JsonSchema>;
    securitySchemes?: Record<string, { type: string; description?: string; name?: string }>;
  };
}

export interface Endpoint {
  method: string;
  path: string;
  operation: Operation;
  /** Who may call it: `public`, `viewer`, `admin` or `metrics`. */
  access: string;
}

const METHOD_ORDER = ['get', 'post', 'put', 'patch', 'delete'];

/** The document's operations by tag, in the order the tags first appear; each once. */
export function endpointsByTag(doc: OpenApiDocument): [string, Endpoint[]][] {
  const groups = new Map<string, Endpoint[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    const methods = Object.keys(item).sort(
      (a, b) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b),
    );
    for (const method of methods) {
      const operation = item[method]!;
      const tag = operation.tags?.[0] ?? 'other';
      const access =
        operation.security?.length === 0 ? 'public' : (operation['x-access'] ?? 'viewer');
      const list = groups.get(tag) ?? [];
      list.push({ method: method.toUpperCase(), path, operation, access });
      groups.set(tag, list);
    }
  }
  return [...groups];
}

const literal = (v: unknown) => (typeof v === 'string' ? `"${v}"` : String(v));

/** A one-line type for a schema: `string`, `integer | null`, `"a" | "b"`, `array of …`. */
export function typeText(schema: JsonSchema | undefined): string {
  if (!schema || Object.keys(schema).length === 0) return 'any';
  if (schema.const !== undefined) return literal(schema.const);
  if (schema.enum) return schema.enum.map(literal).join(' | ');
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.map((v) => v.title ?? typeText(v)).join(' | ');
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  return (
    types
      .map((t) => {
        if (t === 'array') return `array of ${typeText(schema.items)}`;
        if (t === 'object' && schema.patternProperties) {
          const values = Object.values(schema.patternProperties)[0];
          return `map of ${typeText(values)}`;
        }
        if (t === 'string' && schema.format) return `string (${schema.format})`;
        return t;
      })
      .join(' | ') || 'any'
  );
}

/** Limits worth saying beside the type: `1–500`, `at most 200 characters`. */
export function limitsText(schema: JsonSchema | undefined): string {
  if (!schema) return '';
  const parts: string[] = [];
  if (schema.minimum !== undefined && schema.maximum !== undefined)
    parts.push(`${schema.minimum}–${schema.maximum}`);
  else if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  else if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.maxLength !== undefined) parts.push(`at most ${schema.maxLength} characters`);
  return parts.join(', ');
}

export interface Field {
  name: string;
  type: string;
  required: boolean;
  description: string;
  /** Its own fields, when it is an object (or a list of objects) with named fields. */
  fields: Field[];
}

/** The named fields of an object schema (of an array's items), nested. */
export function fieldsOf(schema: JsonSchema | undefined): Field[] {
  if (!schema) return [];
  const object = schema.items ?? schema;
  if (!object.properties) return [];
  const required = new Set(object.required ?? []);
  return Object.entries(object.properties).map(([name, field]) => ({
    name,
    type: typeText(field),
    required: required.has(name),
    description: [field.description, limitsText(field)].filter(Boolean).join(' '),
    fields: field.anyOf || field.oneOf ? [] : fieldsOf(field),
  }));
}

/** The schemas a body or an answer comes in: `application/json` and others, with their type. */
export function contentsOf(
  content: Content | undefined,
): { mediaType: string; schema: JsonSchema | undefined }[] {
  return Object.entries(content?.content ?? {}).map(([mediaType, c]) => ({
    mediaType,
    schema: c.schema,
  }));
}

/** The codes of an error answer (`{"error": {"code", …}}`, every error has that shape), else null. */
export function errorCodesOf(content: Content | undefined): string[] | null {
  const schema = content?.content?.['application/json']?.schema;
  const code = schema?.properties?.error?.properties?.code;
  return code?.enum ? code.enum.map(String) : null;
}
