/**
 * The configuration reference (docs/config-reference.md), generated from the zod schema itself
 * so that it cannot drift from what `petrel validate` accepts: every key path with its type,
 * default, allowed values or range, and the `.describe()` text of the field. A field without a
 * description is an error here, so a new key cannot ship undocumented.
 *
 * The walk reads zod 4's definitions (`_zod.def`): wrappers (optional, default, prefault, the
 * input side of a transform's pipe) are peeled off, noting what they say, down to the object,
 * array, enum, union, number, string or boolean underneath. Checks that are code (refine,
 * superRefine) cannot be read back; their rule is written in the description.
 */
import { z } from 'zod';
import { buildConfigSchema } from './schema.js';

export interface ReferenceRow {
  /** Dotted key path; `[]` marks a list's items, e.g. `peers[].address`. */
  readonly path: string;
  readonly type: string;
  /** Rendered default; undefined when there is none. */
  readonly defaultValue?: string;
  readonly required: boolean;
  /** Allowed values or range, e.g. `1..65535` or `` `off`, `both` ``. */
  readonly allowed?: string;
  readonly description: string;
}

interface Peeled {
  readonly core: z.core.$ZodTypes;
  readonly optional: boolean;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  readonly description: string | undefined;
  readonly title: string | undefined;
}

/** Down through the wrappers to the schema that says what the value is. */
function peel(schema: z.core.$ZodType): Peeled {
  let current = schema as z.core.$ZodTypes;
  let optional = false;
  let hasDefault = false;
  let defaultValue: unknown;
  let description: string | undefined;
  let title: string | undefined;
  for (;;) {
    const meta = z.globalRegistry.get(current);
    description ??= meta?.description;
    title ??= meta?.title;
    const def = current._zod.def;
    switch (def.type) {
      case 'optional':
        optional = true;
        current = def.innerType as z.core.$ZodTypes;
        continue;
      case 'default':
      case 'prefault':
        if (!hasDefault) defaultValue = def.defaultValue;
        hasDefault = true;
        current = def.innerType as z.core.$ZodTypes;
        continue;
      case 'pipe':
        // A transform: the file holds what goes in.
        current = def.in as z.core.$ZodTypes;
        continue;
      case 'nullable':
      case 'readonly':
        current = def.innerType as z.core.$ZodTypes;
        continue;
      default:
        return { core: current, optional, hasDefault, defaultValue, description, title };
    }
  }
}

function code(value: unknown): string {
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

/** A number's bounds as `min..max`, leaving out the ones zod fills in for `.int()`. */
function numberRange(schema: z.core.$ZodType): string | undefined {
  if (!(schema instanceof z.ZodNumber)) return undefined;
  const bound = (n: number | null): string | undefined => (n === null || !Number.isFinite(n) || Math.abs(n) >= Number.MAX_SAFE_INTEGER ? undefined : String(n));
  const min = bound(schema.minValue);
  const max = bound(schema.maxValue);
  if (min === undefined && max === undefined) return undefined;
  return `${min ?? ''}..${max ?? ''}`;
}

function stringLength(schema: z.core.$ZodType): string | undefined {
  if (!(schema instanceof z.ZodString)) return undefined;
  const { minLength, maxLength } = schema;
  if (maxLength !== null) return `${minLength ?? 0}..${maxLength} characters`;
  return undefined;
}

/** The type label of a peeled schema, and what values it allows. */
function describeType(peeled: Peeled): { type: string; allowed?: string } {
  const { core, title } = peeled;
  const def = core._zod.def;
  switch (def.type) {
    case 'object':
      return { type: title ?? 'object' };
    case 'array': {
      const element = peel(def.element);
      const inner = describeType(element);
      return { type: `list of ${inner.type}`, ...(inner.allowed === undefined ? {} : { allowed: inner.allowed }) };
    }
    case 'enum':
      return { type: title ?? 'enum', allowed: Object.values(def.entries).map(code).join(', ') };
    case 'union':
      return { type: title ?? def.options.map((o) => describeType(peel(o)).type).join(' or ') };
    case 'boolean':
      return { type: title ?? 'boolean' };
    case 'number': {
      const range = numberRange(core);
      const integer = core instanceof z.ZodNumber && core.isInt;
      return { type: title ?? (integer ? 'integer' : 'number'), ...(range === undefined ? {} : { allowed: range }) };
    }
    case 'string': {
      const length = stringLength(core);
      const format = core instanceof z.ZodStringFormat ? core.format : undefined;
      return { type: title ?? (format === 'ipv4' ? 'IPv4 address' : 'string'), ...(length === undefined ? {} : { allowed: length }) };
    }
    default:
      return { type: title ?? def.type };
  }
}

function renderDefault(peeled: Peeled): string | undefined {
  if (!peeled.hasDefault) return undefined;
  const value = peeled.defaultValue;
  // `prefault({})`: the object's own keys carry the defaults.
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0) return undefined;
  return code(value);
}

function walk(schema: z.core.$ZodType, path: string, rows: ReferenceRow[], undescribed: string[]): void {
  const peeled = peel(schema);
  const { type, allowed } = describeType(peeled);
  const defaultValue = renderDefault(peeled);
  if (peeled.description === undefined) undescribed.push(path);
  rows.push({
    path,
    type,
    required: !peeled.optional && !peeled.hasDefault,
    ...(defaultValue === undefined ? {} : { defaultValue }),
    ...(allowed === undefined ? {} : { allowed }),
    description: peeled.description ?? '',
  });
  let core = peeled.core;
  let itemPath = path;
  if (core._zod.def.type === 'array') {
    core = peel(core._zod.def.element).core;
    itemPath = `${path}[]`;
  }
  // `true` or an object (`bfd`): the object's keys are keys of the file too.
  if (core._zod.def.type === 'union') {
    const objects = core._zod.def.options.map((o) => peel(o).core).filter((o) => o._zod.def.type === 'object');
    if (objects.length === 1) core = objects[0]!;
  }
  const def = core._zod.def;
  if (def.type === 'object') for (const [key, field] of Object.entries(def.shape)) walk(field, `${itemPath}.${key}`, rows, undescribed);
}

/** Every key of `schema` (an object, possibly wrapped), depth first in declaration order. */
export function referenceRows(schema: z.core.$ZodType): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  const undescribed: string[] = [];
  const top = peel(schema).core._zod.def;
  if (top.type !== 'object') throw new Error(`the config schema is a ${top.type}, not an object`);
  for (const [key, field] of Object.entries(top.shape)) walk(field, key, rows, undescribed);
  if (undescribed.length > 0) throw new Error(`config keys without a .describe() text: ${undescribed.join(', ')}`);
  return rows;
}

/** Markdown table cells: pipes escaped, line breaks flattened. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The schema as it loads a real file: secrets and relative paths resolve against nothing here. */
const REFERENCE_ENVIRONMENT = { env: {}, readFile: () => '', baseDir: '/etc/petrel' };

/** docs/config-reference.md, in full. */
export function renderConfigReference(): string {
  const rows = referenceRows(buildConfigSchema(REFERENCE_ENVIRONMENT));
  const lines = [
    '# petrel configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npx tsx scripts/config-reference.ts`; do not edit by hand. -->',
    '',
    'Every key of `/etc/petrel/petrel.yaml` (YAML; see SPEC.md §2). Unknown keys are errors. `peers[].x` is key `x` of each',
    'item of the `peers` list. A key marked required must be present when its parent is; every other key may be left out.',
    'Check a file with `petrel validate --config FILE`; `petrel validate --print` prints it back with the defaults filled in.',
    '',
    '| Key | Type | Default | Allowed | Description |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| \`${r.path}\` | ${cell(r.type)} | ${r.defaultValue === undefined ? (r.required ? 'required' : '') : cell(r.defaultValue)} | ${cell(r.allowed ?? '')} | ${cell(r.description)} |`),
    '',
  ];
  return lines.join('\n');
}
