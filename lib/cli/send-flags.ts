/** `send`'s flags: each with the example shown as a fix, and the words a user may type for it instead. */
import type { FlagSpecs } from './parse-flags.js';

export const SEND_FLAGS = {
  event: { type: 'string', example: '--event "Finished Journey"', synonyms: ['type', 'name', 'event-name'] },
  file: { type: 'string', example: '--file payload.json', synonyms: ['json', 'payload', 'data'] },
  set: { type: 'string', multiple: true, example: '--set body.systemDecision=Refer', synonyms: ['field'] },
  unset: { type: 'string', multiple: true, example: '--unset body.eventId', synonyms: ['remove', 'delete'] },
  bearer: {
    type: 'string',
    example: '--bearer "$IDWISE_WEBHOOK_TOKEN"',
    synonyms: ['token', 'auth', 'authorization', 'bearer-token'],
  },
  basic: {
    type: 'string',
    example: '--basic idwise:"$IDWISE_WEBHOOK_PASSWORD"',
    synonyms: ['user', 'username', 'password', 'pass', 'u'],
  },
  header: {
    type: 'string',
    multiple: true,
    example: '--header "x-idwise-secret:$IDWISE_WEBHOOK_SECRET"',
    synonyms: ['secret', 'H'],
  },
  times: { type: 'string', example: '--times 3', synonyms: ['count', 'repeat', 'retries', 'n'] },
  concurrent: {
    type: 'boolean',
    example: '--times 3 --concurrent',
    synonyms: ['parallel', 'concurrently', 'at-once', 'together'],
  },
  timeout: { type: 'string', example: '--timeout 30000', synonyms: ['wait', 'max-time', 'deadline'] },
  print: { type: 'boolean', example: '--event "Finished Journey" --print', synonyms: ['dry-run', 'dryrun', 'preview'] },
  help: { type: 'boolean', short: 'h', example: 'idwise-webhooks send --help' },
} as const satisfies FlagSpecs;
