/** What Ajv reports for one failed check (the parts read here). */
export interface SchemaFailure {
  keyword: string;
  instancePath: string;
  schemaPath?: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Fields named in one message at most; the rest are counted. */
const MAX_NAMED = 5;

const ARTICLE: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

const list = (values: unknown[]) => values.map((v) => (v === null ? 'null' : String(v))).join(', ');

/** `/filter/severities/0` → `filter.severities.0`; the location when the whole of it is wrong. */
function fieldOf(failure: SchemaFailure, location: string): string {
  const path = failure.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const named = failure.params.missingProperty ?? failure.params.additionalProperty;
  const field = [path, named].filter((part) => part !== undefined && part !== '').join('.');
  return field || location;
}

function reasonOf(failure: SchemaFailure): string {
  const p = failure.params;
  switch (failure.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a field here';
    case 'type': {
      const types = String(p.type).split(',');
      return `must be ${types.map((t) => ARTICLE[t] ?? t).join(' or ')}`;
    }
    case 'enum':
      return `must be one of ${list(p.allowedValues as unknown[])}`;
    case 'const':
      return `must be ${list([p.allowedValue])}`;
    case 'minimum':
      return `must be at least ${String(p.limit)}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters`;
    case 'minItems':
      return `must have at least ${String(p.limit)} items`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} items`;
    default:
      return failure.message ?? 'is not valid';
  }
}

/**
 * The failures of a union (`anyOf`) at one path say the same thing once per branch:
 * `const` branches become one "must be one of", the others their first reason.
 */
function collapseUnions(failures: readonly SchemaFailure[]): SchemaFailure[] {
  const unions = new Set(
    failures
      .filter((f) => f.keyword === 'anyOf' || f.keyword === 'oneOf')
      .map((f) => f.instancePath),
  );
  const out: SchemaFailure[] = [];
  for (const path of unions) {
    const branches = failures.filter(
      (f) => f.instancePath === path && f.keyword !== 'anyOf' && f.keyword !== 'oneOf',
    );
    const consts = branches.filter((f) => f.keyword === 'const');
    if (consts.length > 0 && consts.length === branches.length)
      out.push({
        keyword: 'enum',
        instancePath: path,
        params: { allowedValues: consts.map((f) => f.params.allowedValue) },
      });
    else out.push(branches[0] ?? failures.find((f) => f.instancePath === path)!);
  }
  return [...failures.filter((f) => !unions.has(f.instancePath)), ...out];
}

/**
 * One line naming each offending field, and the first field: `name: is required;
 * severity: must be one of info, warn, error, critical`. `location` (body, querystring,
 * params, headers) names what failed when no single field did.
 */
export function describeFailures(
  failures: readonly SchemaFailure[],
  location: string,
): { message: string; field: string } {
  const seen = new Map<string, string>();
  for (const failure of collapseUnions(failures)) {
    const field = fieldOf(failure, location);
    if (!seen.has(field)) seen.set(field, reasonOf(failure));
  }
  const parts = [...seen].map(([field, reason]) => `${field}: ${reason}`);
  const named = parts.slice(0, MAX_NAMED);
  if (parts.length > MAX_NAMED) named.push(`and ${parts.length - MAX_NAMED} more`);
  return { message: named.join('; '), field: seen.keys().next().value ?? location };
}
