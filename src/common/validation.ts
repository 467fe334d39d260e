import { type ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError, type FieldError } from './errors/index.js';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** The global pipe: DTOs are validated and unknown fields refused, as Zoom-style field errors. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return DomainError.validation(
        fields.length
          ? fields.map((f) => `${f.field}: ${f.message}`).join('; ')
          : 'Invalid request.',
        fields,
      );
    },
  });
}
