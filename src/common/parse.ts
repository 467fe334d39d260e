import type { PipeTransform } from '@nestjs/common';
import { DomainError, type FieldError } from './errors/index.js';

/** A pipe from a plain parse function, so controllers stay one line. */
export class Parse<T> implements PipeTransform<unknown, T> {
  constructor(private readonly parse: (value: unknown) => T) {}

  transform(value: unknown): T {
    return this.parse(value);
  }
}

/** 400 validation_failed naming each field. */
export function fieldsInvalid(errors: FieldError[]): DomainError {
  return DomainError.validation(
    `Invalid request. ${errors.map((e) => `${e.field}: ${e.message}`).join(' ')}`,
    errors,
  );
}

/** An object of string values (a query), or a JSON object body; anything else is refused. */
export function objectOf(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw fieldsInvalid([{ field: what, message: 'Must be a JSON object.' }]);
  return Object.fromEntries(Object.entries(value));
}

/** Refuses fields the route does not know (and prototype keys), naming them. */
export function onlyKnown(value: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length)
    throw fieldsInvalid(unknown.map((field) => ({ field, message: 'Unknown field.' })));
}
