/** Specs and answers shared by the AI tests. Test-only. */

export const WEB_SERVER_SPEC = {
  name: 'web-server',
  base: 'debian',
  release: 'bookworm',
  packages: ['nginx', 'curl'],
  users: [{ name: 'alice', sudo: true }],
  services: { enable: ['nginx'] },
  securityFeatures: {
    ssh: { enabled: true, port: 22 },
    firewall: {
      enabled: true,
      rules: [
        { port: 22, protocol: 'tcp' },
        { port: 80, protocol: 'tcp' },
      ],
    },
  },
} as const;

/** Violates the schema at `users[0].name` (uppercase) and has an unknown key `colour`. */
export const INVALID_SPEC = {
  name: 'web-server',
  base: 'debian',
  users: [{ name: 'Alice' }],
  colour: 'blue',
} as const;

export const json = (value: unknown): string => JSON.stringify(value);
