// The package runs on Node's runtime as it is, not bundled: it reads node:stream and node:crypto.
export default { serverExternalPackages: ['idwise-webhooks'] };
