import { z } from "zod";
import type { Emulator } from "../emulator/emulator.ts";
import { PartnerCallError } from "../emulator/partner-client.ts";

const Installed = z.object({
  installation: z.object({ id: z.string(), accountId: z.string(), userId: z.string() }),
});
const Refused = z.object({
  error: z.object({ message: z.string() }).optional(),
  partnerAnswer: z.object({ status: z.number(), body: z.unknown() }).optional(),
});

/**
 * Installs through a running emulator's control API (`POST /__emulator/installations`), so the
 * emulator the partner reports to knows the installation and answers the partner's later calls
 * with its access token; `emulator` (this process's) learns it too, to sign as its users.
 */
export function installThrough(url: string, emulator: Emulator) {
  return async (installationId: string): Promise<{ accountId: string }> => {
    const response = await fetch(`${url}/__emulator/installations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ installationId }),
    });
    const body: unknown = await response.json().catch(() => undefined);
    const installed = Installed.safeParse(body);
    if (response.status !== 201 || !installed.success) {
      const refused = Refused.safeParse(body).data;
      const answer = refused?.partnerAnswer;
      throw new PartnerCallError(
        answer
          ? `answered ${answer.status} ${JSON.stringify(answer.body)}`
          : `no answer: the emulator at ${url} said ${response.status} ${refused?.error?.message ?? ""}`,
        { status: answer?.status ?? 0, body: answer?.body, headers: response.headers },
      );
    }
    const { installation } = installed.data;
    emulator.state.installations.set(installation.id, {
      ...installation,
      accessToken: "held by the running emulator",
      status: "installed",
    });
    return installation;
  };
}
