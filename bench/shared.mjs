// What every bench script agrees on: the route, the credential, and the shape of one delivery.

export const PATH = '/webhooks/idwise';
export const TOKEN = 'bench-token-0123456789abcdef';
export const AUTHORIZATION = `Bearer ${TOKEN}`;

/** A realistic `Finished Journey` delivery (about 190 bytes), the event IDWise sends most. */
export function deliveryBody(eventId) {
  return JSON.stringify({
    event: 'Finished Journey',
    body: {
      eventId,
      journeyId: '65f1c0ffee00000000000001',
      referenceNo: 'customer-4711',
      systemDecision: 'Complete',
      manualDecision: null,
      finalDecision: 'Complete',
    },
  });
}

export const median = (values) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
