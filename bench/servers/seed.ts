import type { BenchCaller, BenchIssuer } from "../tokens/issuer.ts";

export interface SeededResource {
  installationId: string;
  resourceId: string;
  /** The resource's Partner API path: `/v1/installations/:id/resources/:rid`. */
  path: string;
  /** What our server answers a USER on it, e.g. so the ceiling can send the same bytes. */
  body: string;
  /** The installation's access token: what our server sends Vercel as `Authorization: Bearer`. */
  accessToken: string;
}

/** The installation's access token, as Vercel hands it over on install. */
export const BENCH_ACCESS_TOKEN = "vercel_installation_token_bench";

const INSTALLATION = {
  scopes: ["read-write:integration-resource"],
  acceptedPolicies: { toc: "2026-01-01T00:00:00Z" },
  credentials: { access_token: BENCH_ACCESS_TOKEN, token_type: "Bearer" },
  account: {
    name: "Bench Team",
    url: "https://vercel.com/bench",
    contact: { email: "o@bench.test" },
  },
};

/** The Provision Resource body the bench sends: an Acme KV store on the free plan. */
export const BENCH_RESOURCE = {
  productId: "acme-kv",
  name: "bench-cache",
  metadata: { region: "iad1" },
  billingPlanId: "free",
};

/**
 * Creates the state under test the way Vercel would, through the Partner API with signed ADMIN
 * user tokens: install, then provision an Acme KV resource; then reads it once as a USER.
 */
export async function seedResource(
  baseUrl: string,
  issuer: BenchIssuer,
  caller: BenchCaller,
): Promise<SeededResource> {
  const installationPath = `/v1/installations/${caller.installationId}`;
  const admin = () => issuer.userToken(caller, "ADMIN");
  await call(baseUrl, "PUT", installationPath, await admin(), INSTALLATION);
  const provisioned = await call(
    baseUrl,
    "POST",
    `${installationPath}/resources`,
    await admin(),
    BENCH_RESOURCE,
  );
  const resourceId = (JSON.parse(provisioned) as { id?: unknown }).id;
  if (typeof resourceId !== "string")
    throw new Error(`Provisioning answered no id: ${provisioned}`);
  const path = `${installationPath}/resources/${resourceId}`;
  const body = await call(baseUrl, "GET", path, await issuer.userToken(caller, "USER"));
  return {
    installationId: caller.installationId,
    resourceId,
    path,
    body,
    accessToken: BENCH_ACCESS_TOKEN,
  };
}

async function call(
  baseUrl: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<string> {
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      "x-vercel-auth": "user",
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text;
}
