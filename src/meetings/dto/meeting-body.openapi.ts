import type { ApiBody } from '@nestjs/swagger';

type SchemaObject = Extract<Parameters<typeof ApiBody>[0], { schema: unknown }>['schema'];

/** OpenAPI view of Zoom's create/update body (validated by meeting-body.schema.ts). */
export const MEETING_BODY_OPENAPI: SchemaObject = {
  type: 'object',
  // Fields the gateway does not know are forwarded to Zoom unchanged.
  additionalProperties: true,
  properties: {
    topic: { type: 'string', maxLength: 200 },
    type: { type: 'integer', enum: [1, 2, 3, 8, 10] },
    start_time: {
      type: 'string',
      description:
        'yyyy-MM-ddTHH:mm:ssZ (GMT; fractional seconds and offsets accepted) or yyyy-MM-ddTHH:mm:ss (local, with timezone)',
    },
    duration: { type: 'integer', minimum: 0 },
    timezone: { type: 'string' },
    agenda: { type: 'string', maxLength: 2000 },
    password: { type: 'string', maxLength: 10 },
    default_password: { type: 'boolean' },
    pre_schedule: { type: 'boolean' },
    schedule_for: { type: 'string' },
    template_id: { type: 'string' },
    recurrence: { type: 'object' },
    settings: { type: 'object' },
    tracking_fields: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, value: { type: 'string' } },
      },
    },
  },
  example: {
    topic: 'Weekly sync',
    type: 2,
    start_time: '2030-01-15T15:00:00Z',
    duration: 30,
    timezone: 'UTC',
  },
};
