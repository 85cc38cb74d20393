/** What `idwise-webhooks help [command]` prints. Every example runs as written against a local app. */
export const MAIN_HELP = `idwise-webhooks: send test IDWise webhooks to your endpoint, and list the events this package knows.

Usage
  idwise-webhooks send <url>... --event <name> [flags]   send a realistic delivery to each URL and print the answers
  idwise-webhooks send --event <name> --print            print that delivery's JSON instead of sending it
  idwise-webhooks events [--json]                        list IDWise events, what each emits, a sample of each
  idwise-webhooks help [send | events]                   this help, or one command's

Examples
  npx idwise-webhooks send http://localhost:3000/webhooks/idwise --event "Finished Journey" --bearer "$IDWISE_WEBHOOK_TOKEN"
  npx idwise-webhooks send http://localhost:3000/webhooks/idwise --event "Finished Journey" --bearer "$IDWISE_WEBHOOK_TOKEN" --times 3 --concurrent
  npx idwise-webhooks send http://localhost:3000/webhooks/idwise http://localhost:3001/webhooks/idwise --event "Finished Journey" --bearer "$IDWISE_WEBHOOK_TOKEN" --concurrent
  npx idwise-webhooks send --event "Finished Journey" --print > payload.json
  npx idwise-webhooks events

Exit codes
  0  every answer was 200, the one status IDWise counts as delivered; help, events and --print exit 0
     too, as does idwise-webhooks with no command, which prints this help
  1  an answer was not 200, or the endpoint did not answer
  2  the command line was wrong (the message says what to write instead)
`;

export const SEND_HELP = `idwise-webhooks send <url>... (--event <name> | --file <payload.json>) [flags]

Posts a webhook as IDWise does (JSON { "event": ..., "body": ... }) and prints each answer's status
and body. Exits 0 only when every answer is 200; otherwise 1, with a hint for each status seen.

Give several URLs (say, two instances of your app) to send the same payload, same eventId, to each;
each answer then names its URL. With --concurrent, instances that share a dedupe store handle the
event once: one answers 200 processed, the others 409 in_flight or 200 duplicate.

Payload
  --event <name>          build a valid sample of this event with a fresh eventId and journeyId;
                          quote names with spaces. "idwise-webhooks events" lists the names.
  --file <path>           send this JSON file instead (a payload copied from IDWise, or your own)
  --set <path=value>      change a field, by dotted path; repeatable. The value is read as JSON when it
                          is valid JSON (2, true, null, '"0"', '{"a":1}'), else as text:
                          --set body.systemDecision=Refer   --set event="Some New Event"
  --unset <path>          remove a field; repeatable: --unset body.eventId (an old-style payload)
  --print                 print the payload as JSON instead of sending it, and exit 0; no URL needed.
                          Save it with > payload.json, then send that same payload with --file.

Credentials: whatever your idwiseWebhooks({ auth }) and IDWise's webhook settings use (never printed).
A 401 with credentials given means they differ from the server's: another value or another auth type.
  --bearer <token>        Authorization: Bearer <token>
  --basic <user:pass>     Authorization: Basic <base64 of user:pass>
  --header <name:value>   any header, e.g. a custom secret header; repeatable

Delivery
  --times <n>             send the same payload, same eventId, n times to each URL (default 1), as
                          IDWise's retries do: the second answer shows dedupe, 200 {"status":"duplicate"}
  --concurrent            send every delivery (n times each URL) at once: those that arrive while the
                          first is still being handled get 409 in_flight, which IDWise would retry later
  --timeout <ms>          give up waiting for an answer after this long (default 30000)

Examples
  idwise-webhooks send http://localhost:3000/webhooks/idwise --event "Finished Journey" --bearer "$IDWISE_WEBHOOK_TOKEN"
  idwise-webhooks send http://localhost:3000/webhooks/idwise --event "Updated Journey" --set body.manualDecision=Rejected --basic idwise:secret
  idwise-webhooks send http://localhost:3000/webhooks/idwise --event "Finished Journey" --unset body.eventId --header "x-idwise-secret:s3cret"
  idwise-webhooks send http://localhost:3000/webhooks/idwise --file payload.json --bearer "$IDWISE_WEBHOOK_TOKEN" --times 2
  idwise-webhooks send http://localhost:3000/webhooks/idwise http://localhost:3001/webhooks/idwise --event "Finished Journey" --bearer "$IDWISE_WEBHOOK_TOKEN" --concurrent
  idwise-webhooks send --event "Finished Journey" --set body.systemDecision=Refer --print
`;

export const EVENTS_HELP = `idwise-webhooks events [--json]

Lists every IDWise "event" string this package knows, the emitter events a delivery of it fires
(subscribe with webhooks.events.on('<name>', listener)), and a sample payload as buildEvent() from
'idwise-webhooks/testing' makes it.

  --json   print a JSON array of { event, emits, when, sample } instead, for scripts
`;

export const HELP_BY_COMMAND: Record<string, string> = { send: SEND_HELP, events: EVENTS_HELP, help: MAIN_HELP };
