import { randomBytes } from "node:crypto";
import pino from "pino";
import acmeKv from "../../examples/acme-kv/src/index.ts";
import { createEmulator, type Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { describeProducts } from "../../packages/partnerkit/src/emulator/integration-products.ts";
import {
  createPartnerkit,
  type IntegrationSource,
  type Partnerkit,
  type PartnerkitInternals,
} from "../../packages/partnerkit/src/runtime.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import { createE2eDatabase, type E2eDatabase } from "../support/server-process.ts";

export const MARKETPLACE_URL = "http://marketplace.test";
export const CLIENT_ID = "oac_sso_test";
export const TOKEN_PATH = "/v1/integrations/sso/token";

/** Replaces Vercel's answer to the SSO exchange; `undefined` lets the emulator answer. */
export type ExchangeOverride = (request: Request) => Promise<Response | undefined>;

export interface SsoMarket {
  emulator: Emulator;
  partnerkit: Partnerkit;
  internals: PartnerkitInternals;
  publicUrl: string;
  clientSecret: string;
  /** Every line the partner logged, as JSON text. */
  logLines: string[];
  /** The exchanges the partner sent and the id_tokens Vercel answered with. */
  exchanges: { body: string; contentType: string | null; idToken?: string }[];
  /** Set to replace the next exchange answers (forged tokens, outages). */
  override?: ExchangeOverride;
  browser(): TestBrowser;
  close(): Promise<void>;
}

/**
 * Acme KV behind the real `createPartnerkit` (so `/sso` and `/dashboard` are wired as
 * `partnerkit start` wires them) and the emulator, in-process, with the partner's logs captured
 * and the SSO exchange observable.
 */
export async function ssoMarket(
  options: { publicUrl?: string; ssoPath?: string; integration?: IntegrationSource } = {},
): Promise<SsoMarket> {
  const publicUrl = options.publicUrl ?? "http://partner.test";
  const clientSecret = randomBytes(24).toString("base64url");
  const database: E2eDatabase = await createE2eDatabase();
  const logLines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
  let emulator: Emulator | undefined;
  const market: Partial<SsoMarket> & { exchanges: SsoMarket["exchanges"] } = { exchanges: [] };
  const vercelFetch = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    if (!emulator) throw new Error("emulator not ready");
    if (new URL(request.url).pathname !== TOKEN_PATH) return emulator.fetch(request);
    const body = await request.clone().text();
    const record: SsoMarket["exchanges"][number] = {
      body,
      contentType: request.headers.get("content-type"),
    };
    market.exchanges.push(record);
    const answer = (await market.override?.(request)) ?? (await emulator.fetch(request));
    const text = await answer.clone().text();
    record.idToken =
      /"id_token":"([^"]+)"/.exec(text)?.[1] ??
      new URLSearchParams(text).get("id_token") ??
      undefined;
    return answer;
  };
  const partnerkit = createPartnerkit({
    integration: options.integration ?? acmeKv,
    databaseUrl: database.url,
    clientIds: [CLIENT_ID],
    clientSecret,
    encryptionKey: SecretBox.generateKey(),
    oidcIssuer: MARKETPLACE_URL,
    vercelApiUrl: MARKETPLACE_URL,
    publicUrl,
    ssoPath: options.ssoPath,
    logger,
    keys: (header, token) => {
      if (!emulator) throw new Error("emulator not ready");
      return emulator.issuer.localKeySet()(header, token);
    },
    vercel: {
      fetch: vercelFetch,
      retry: { initialIntervalMs: 1, maxIntervalMs: 5, maxElapsedMs: 500 },
    },
  });
  const internals = await partnerkit.ready();
  emulator = await createEmulator({
    url: MARKETPLACE_URL,
    partnerUrl: publicUrl,
    clientId: CLIENT_ID,
    clientSecret,
    partnerFetch: (request) => partnerkit.fetch(request),
    products: await describeProducts(internals.integration),
  });
  const created = emulator;
  return Object.assign(market, {
    emulator: created,
    partnerkit,
    internals,
    publicUrl,
    clientSecret,
    logLines,
    browser: () =>
      new TestBrowser({
        [MARKETPLACE_URL]: (request) => Promise.resolve(created.fetch(request)),
        [new URL(publicUrl).origin]: (request) => partnerkit.fetch(request),
      }),
    close: async () => {
      await partnerkit.stop();
      await database.drop();
    },
  });
}

export interface Hop {
  url: string;
  status: number;
  headers: [string, string][];
  setCookies: string[];
  body: string;
}

/**
 * A browser without a network: follows redirects between the emulator and the partner, keeps the
 * partner's cookies as a browser would (Max-Age=0 removes one), and remembers every response.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();
  readonly history: Hop[] = [];

  constructor(private readonly hosts: Record<string, (request: Request) => Promise<Response>>) {}

  /** Requests `url` and follows redirects; the last hop, with the ones before it. */
  async open(url: string, method = "GET"): Promise<Hop & { hops: Hop[] }> {
    const hops: Hop[] = [];
    let next: string | undefined = url;
    let verb = method;
    while (next) {
      const target: URL = new URL(next);
      const host: ((request: Request) => Promise<Response>) | undefined = this.hosts[target.origin];
      if (!host) throw new Error(`no host for ${target.origin}`);
      const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
      const response: Response = await host(
        new Request(target, {
          method: verb,
          headers: cookie ? { cookie } : {},
          redirect: "manual",
        }),
      );
      const setCookies = response.headers.getSetCookie();
      for (const line of setCookies) this.store(line);
      const hop: Hop = {
        url: target.toString(),
        status: response.status,
        headers: [...response.headers],
        setCookies,
        body: await response.text(),
      };
      hops.push(hop);
      this.history.push(hop);
      const location = response.headers.get("location");
      next =
        response.status >= 300 && response.status < 400 && location
          ? new URL(location, target).toString()
          : undefined;
      verb = "GET";
      if (hops.length > 10) throw new Error("redirect loop");
    }
    const last = hops.at(-1) as Hop;
    return { ...last, hops };
  }

  private store(line: string) {
    const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
    const separator = pair.indexOf("=");
    const name = pair.slice(0, separator);
    const value = pair.slice(separator + 1);
    const removed = attributes.some((attribute) => /^max-age=0$/i.test(attribute)) || value === "";
    if (removed) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

/** Parses one Set-Cookie line into its name, value and attributes (lower-cased names). */
export function parseSetCookie(line: string) {
  const [pair = "", ...rest] = line.split(";").map((part) => part.trim());
  const separator = pair.indexOf("=");
  const attributes = new Map<string, string>();
  for (const attribute of rest) {
    const [key = "", ...value] = attribute.split("=");
    attributes.set(key.toLowerCase(), value.join("="));
  }
  return { name: pair.slice(0, separator), value: pair.slice(separator + 1), attributes };
}

/** The href of the first link whose text contains `text`, resolved against `base`. */
export function linkHref(body: string, text: string, base: string): string {
  for (const match of body.matchAll(/<a[^>]*href="([^"]+)"[^>]*>([^<]*)</g)) {
    if ((match[2] ?? "").includes(text))
      return new URL((match[1] ?? "").replaceAll("&amp;", "&"), base).toString();
  }
  throw new Error(`no link "${text}" in the page`);
}
