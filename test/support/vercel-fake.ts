import { createEmulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import type { Secret } from "../../packages/partnerkit/src/protocol/common.ts";
import type { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { PUBLIC_URL, TEST_WEBHOOK_SECRET } from "./partner-app.ts";

/** A call the partner made to Vercel's API, as the emulator recorded it (bodies masked). */
export interface VercelCall {
  method: string;
  path: string;
  status: number;
}

type Report = {
  status: string;
  statusText?: string;
  statusUrl?: string;
  outcomes?: { kind: string; secrets: { name: string; value: string }[] }[];
};

/**
 * The emulator's Vercel API (spec §5, exact SDK statuses) with what Vercel would know of the test
 * partner's icfg_1: its access token and, once `knowResource` is called, the resource.
 */
export async function emulatedVercelApi() {
  const emulator = await createEmulator({
    url: "https://api.vercel.test",
    partnerUrl: PUBLIC_URL,
    clientId: "oac_test_integration",
    clientSecret: TEST_WEBHOOK_SECRET,
    // Vercel's reactions (Get Resource after an event) must not leave the machine.
    partnerFetch: async () => new Response(null, { status: 503 }),
  });
  emulator.state.installations.set("icfg_1", {
    id: "icfg_1",
    accountId: "acct_1",
    userId: "user_1",
    accessToken: "vercel_installation_token_secret",
    status: "installed",
  });
  const { store, faults } = emulator.vercelApi;
  return {
    /** The whole emulator, for what the helpers below do not cover (e.g. its check runs). */
    emulator,
    fetch: (input: string | URL | Request, init?: RequestInit) =>
      Promise.resolve(emulator.app.fetch(new Request(input, init))),
    faults,
    knowResource(resource: ProvisionResourceResponse) {
      const { secrets, ...rest } = resource;
      emulator.state.saveResource("icfg_1", rest, secrets as Secret[]);
    },
    createDeployment: (id: string) =>
      store.createDeployment({ id, ref: "feature-x", sha: "abc123" }),
    calls: (): VercelCall[] =>
      emulator.calls({ direction: "partner→vercel" }).map((call) => ({
        method: call.method,
        path: new URL(call.url).pathname,
        status: call.status,
      })),
    /** Each action Vercel heard of, with its accepted reports. */
    actions: () => store.listActions(),
    /** Every accepted report of every action, in order (unmasked, from the API's state). */
    reports: (): Report[] => store.listActions().flatMap((record) => record.reports as Report[]),
    events: (installationId = "icfg_1") => store.events.get(installationId) ?? [],
    /** The secrets Vercel holds for a resource (what connected projects get as env vars). */
    secrets: (resourceId: string) => emulator.state.resources.get(resourceId)?.secrets ?? [],
    /** What Vercel keeps of Update Installation (spec §5.1). */
    installationDetails: (installationId = "icfg_1") =>
      store.installationDetails.get(installationId),
    state: emulator.state,
  };
}
