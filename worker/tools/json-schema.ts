/** A small JSON Schema validator for the subset the tool definitions use, with errors that name the field. */

/** The schema subset: objects of scalar properties. */
export interface JsonSchema {
  type: "object" | "string" | "integer" | "number" | "boolean";
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: (string | number)[];
  default?: unknown;
}

/** Validates `value`; returns null when valid, else a message naming the first bad field. */
export function validate(schema: JsonSchema, value: unknown, path = "body"): string | null {
  switch (schema.type) {
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        return `${path} must be an object`;
      const record = value as Record<string, unknown>;
      for (const name of schema.required ?? []) {
        if (record[name] === undefined) return `${name} is required`;
      }
      for (const [name, field] of Object.entries(record)) {
        const sub = schema.properties?.[name];
        if (!sub) {
          if (schema.additionalProperties === false) return `unknown field "${name}"`;
          continue;
        }
        if (field === undefined) continue;
        const error = validate(sub, field, name);
        if (error) return error;
      }
      return null;
    }
    case "string": {
      if (typeof value !== "string") return `${path} must be a string`;
      if (schema.minLength !== undefined && value.length < schema.minLength) {
        return `${path} must be at least ${schema.minLength} characters`;
      }
      if (schema.maxLength !== undefined && value.length > schema.maxLength) {
        return `${path} must be at most ${schema.maxLength} characters`;
      }
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
        return `${path} must match ${schema.pattern}`;
      }
      break;
    }
    case "integer":
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return `${path} must be a number`;
      if (schema.type === "integer" && !Number.isInteger(value))
        return `${path} must be an integer`;
      if (schema.minimum !== undefined && value < schema.minimum)
        return `${path} must be at least ${schema.minimum}`;
      if (schema.maximum !== undefined && value > schema.maximum)
        return `${path} must be at most ${schema.maximum}`;
      break;
    }
    case "boolean":
      if (typeof value !== "boolean") return `${path} must be true or false`;
      break;
  }
  if (schema.enum && !schema.enum.includes(value as string | number)) {
    return `${path} must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`;
  }
  return null;
}
