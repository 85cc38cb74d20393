/** `idwise-webhooks events`: the event table, read from the same table the package dispatches with. */
import { emitterEventsFor } from '../emitter.js';
import { KNOWN_EVENTS, MANUAL_REVIEW_ACTION, type IdwisePayload, type KnownEventName } from '../payload/events.js';
import { buildEvent } from '../testing/build-event.js';
import { EVENTS_HELP } from './help.js';
import type { CliOutput } from './output.js';
import { parseFlags, type FlagSpecs } from './parse-flags.js';
import { UsageError } from './usage-error.js';

const FLAGS = {
  json: { type: 'boolean', example: 'idwise-webhooks events --json' },
  help: { type: 'boolean', short: 'h', example: 'idwise-webhooks events --help' },
} as const satisfies FlagSpecs;

interface EventRow {
  event: KnownEventName;
  emits: string[];
  /** Emitter events that depend on a body field, e.g. Updated Journey with action "Manual Review". */
  when: { field: string; equals: string; emits: string[] }[];
  sample: IdwisePayload;
}

const emits = (event: string, body: Record<string, unknown>) =>
  emitterEventsFor({ event, body } as IdwisePayload).map(String);

export function eventRows(): EventRow[] {
  return (Object.keys(KNOWN_EVENTS) as KnownEventName[]).map((event) => {
    const always = emits(event, {});
    const withReview = emits(event, { action: MANUAL_REVIEW_ACTION });
    const when =
      String(withReview) === String(always)
        ? []
        : [{ field: 'body.action', equals: MANUAL_REVIEW_ACTION, emits: withReview }];
    return { event, emits: always, when, sample: buildEvent(event) };
  });
}

export function eventsCommand(args: string[], output: CliOutput): number {
  const { flags, positionals } = parseFlags('events', args, FLAGS);
  if (flags.help) {
    output.out(EVENTS_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError('events takes no arguments besides --json.', 'idwise-webhooks events');
  }
  const rows = eventRows();
  if (flags.json) {
    output.out(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...rows.map((row) => row.event.length)) + 2;
  output.out(`${'IDWise event'.padEnd(width)}emitter events fired, in order\n`);
  for (const row of rows) {
    output.out(`${row.event.padEnd(width)}${row.emits.join(', ')}\n`);
    for (const condition of row.when) {
      output.out(`${''.padEnd(width)}with ${condition.field} "${condition.equals}": ${condition.emits.join(', ')}\n`);
    }
    output.out(`${''.padEnd(width)}sample: ${JSON.stringify(row.sample)}\n`);
  }
  output.out(
    `\nAny other event string fires ${emits('Some New Event', {}).join(', ')} (accepted, not refused: IDWise adds events over time).\n`,
  );
  return 0;
}
