/**
 * The building blocks of the wire contract. Everything under src/api/wire/ is plain data
 * (TypeBox schemas and the domain models' constants, no Node import) so that the server,
 * the OpenAPI document and the web UI read the one contract.
 */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { MIN_ID_PREFIX } from '../../inventory/model.js';

/**
 * One of a fixed list of strings, as JSON Schema `enum`: its validation error names the
 * allowed values in one line (a union of literals would report one error per value).
 */
export function Enum<const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

type Primitive = 'string' | 'integer' | 'number' | 'boolean';

/**
 * A primitive or null, as a JSON Schema type list. Not anyOf: with type coercion on, the
 * validator would turn null into "" through the string branch, and the serialiser picks a
 * type list without trying each branch.
 */
export function Nullable<T extends TSchema & { type: Primitive }>(
  schema: T,
): TUnsafe<Static<T> | null> {
  const { enum: values, ...rest } = schema as TSchema & { enum?: unknown[] };
  return Type.Unsafe<Static<T> | null>({
    ...rest,
    type: [schema.type, 'null'],
    ...(values ? { enum: [...values, null] } : {}),
  });
}

/** A time on the wire: ISO 8601 in UTC with milliseconds. */
export const IsoTime = (description?: string) =>
  Type.String({ format: 'date-time', ...(description ? { description } : {}) });

/** An object whose keys are data (labels, captures, metadata): every key goes out. */
export const FreeForm = <T extends TSchema>(values: T, description?: string) =>
  Type.Record(Type.String(), values, description ? { description } : {});

/** Every list that is one page: `{"items": [...], "next": null}`. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    next: Type.Null({ description: 'Always null: the whole list is one page.' }),
  });

/** A list read page by page, newest first: `next` is the cursor of the following page. */
export const CursorPage = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    next: Nullable(
      Type.Integer({ description: 'Send as `before` for the next page; null at the end.' }),
    ),
  });

/** A 204: the answer has no body (`void`: the handler sends nothing). */
export const NoContent = Type.Unsafe<void>({ type: 'null', description: 'No body.' });

/** A database row id in a path. */
export const IdParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/** How a container is named wherever one is accepted (inventory's `containers.find`). */
export const ContainerRef = (extra: { description?: string } = {}) =>
  Type.String({
    minLength: 1,
    maxLength: 200,
    description: `${extra.description ?? 'A container'}: its full id, a unique id prefix of at least ${MIN_ID_PREFIX} hex digits (as docker ps prints it), or its name (a leading / is ignored). An ambiguous prefix is 400 CONTAINER_AMBIGUOUS.`,
  });
