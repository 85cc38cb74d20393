/** What `idwise-webhooks help [command]` prints. Every example runs as written against a local app. */
export const MAIN_HELP = `idwise-webhooks: send test IDWise webhooks to your endpoint, and list the events this package knows.

Usage
  idwise-webhooks send <url> --event <name> [flags]   send a realistic delivery and print the answer
  idwise-webhooks events [--json]                     list IDWise events, what each emits, a sample of each
  idwise-webhooks help [send | events]                this help, or one command's

Examples
  npx idwise-webhooks send http://localhost:3000/webhooks/idwise --event "Finished Journey" --bearer "$IDWISE_WEBHOOK_TOKEN"
  npx idwise-webhooks send http://localhost:3000/webhooks/idwise --event "Finished Journey" --bearer "$IDWISE_WEBHOOK_TOKEN" --times 3 --concurrent
  npx idwise-webhooks events

Exit codes
  0  every answer was 200, the one status IDWise counts as delivered
  1  an answer was not 200, or the endpoint did not answer
  2  the command line was wrong (the message says what to write instead)
`;

export const SEND_HELP = `idwise-webhooks send <url> (--event <name> | --file <payload.json>) [flags]

Posts a webhook as IDWise does (JSON { "event": ..., "body": ... }) and prints each answer's status
and body. Exits 0 only when every answer is 200; otherwise 1, with a hint for each status seen.

Payload
  --event <name>          build a valid sample of this event with a fresh eventId and journeyId;
                          quote names with spaces. "idwise-webhooks events" lists the names.
  --file <path>           send this JSON file instead (a payload copied from IDWise, or your own)
  --set <path=value>      change a field, by dotted path; repeatable. The value is read as JSON when it
                          is valid JSON (2, true, null, '"0"', '{"a":1}'), else as text:
                          --set body.systemDecision=Refer   --set event="Some New Event"
  --unset <path>          remove a field; repeatable: --unset body.eventId (an old-style payload)

Credentials: whatever your idwiseWebhooks({ auth }) and IDWise's webhook settings use (never printed)
  --bearer <token>        Authorization: Bearer <token>
  --basic <user:pass>     Authorization: Basic <base64 of user:pass>
  --header <name:value>   any header, e.g. a custom secret header; repeatable

Delivery
  --times <n>             send the same payload, same eventId, n times (default 1), as IDWise's retries
                          do: the second answer shows dedupe, 200 {"status":"duplicate"}
  --concurrent            send the n deliveries at once: those that arrive while the first is still
                          being handled get 409 in_flight, which IDWise would retry later
  --timeout <ms>          give up waiting for an answer after this long (default 30000)

Examples
  idwise-webhooks send http://localhost:3000/webhooks/idwise --event "Finished Journey" --bearer "$IDWISE_WEBHOOK_TOKEN"
  idwise-webhooks send http://localhost:3000/webhooks/idwise --event "Updated Journey" --set body.manualDecision=Rejected --basic idwise:secret
  idwise-webhooks send http://localhost:3000/webhooks/idwise --event "Finished Journey" --unset body.eventId --header "x-idwise-secret:s3cret"
  idwise-webhooks send http://localhost:3000/webhooks/idwise --file payload.json --bearer "$IDWISE_WEBHOOK_TOKEN" --times 2
`;

export const EVENTS_HELP = `idwise-webhooks events [--json]

Lists every IDWise "event" string this package knows, the emitter events a delivery of it fires
(subscribe with webhooks.events.on('<name>', listener)), and a sample payload as buildEvent() from
'idwise-webhooks/testing' makes it.

  --json   print a JSON array of { event, emits, when, sample } instead, for scripts
`;

export const HELP_BY_COMMAND: Record<string, string> = { send: SEND_HELP, events: EVENTS_HELP, help: MAIN_HELP };
