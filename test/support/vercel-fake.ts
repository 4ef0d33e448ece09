/** A call the partner made to the fake Vercel API. */
export interface VercelCall {
  method: string;
  path: string;
  authorization: string | null;
  body: unknown;
}

/**
 * The Vercel endpoints a deployment action needs (spec §5.17) and Create Event (§5.5), with the
 * exact statuses the SDK expects, a call log, and scripted failures for the action PATCH.
 */
export function fakeVercelApi() {
  const calls: VercelCall[] = [];
  const patchFailures: number[] = [];
  let down = false;
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const text = await request.text();
    calls.push({
      method: request.method,
      path: url.pathname,
      authorization: request.headers.get("authorization"),
      body: text ? JSON.parse(text) : undefined,
    });
    if (request.method === "GET" && url.pathname.startsWith("/v13/deployments/")) {
      const id = url.pathname.split("/").pop();
      return Response.json({
        id,
        url: `${id}.vercel.app`,
        target: "preview",
        gitSource: { ref: "feature-x", sha: "abc123" },
      });
    }
    if (request.method === "PATCH" && /\/actions\/[^/]+$/.test(url.pathname)) {
      const failure = down ? 503 : patchFailures.shift();
      if (failure)
        return Response.json(
          { error: { code: "unavailable" } },
          { status: failure, headers: { "retry-after": "0" } },
        );
      return new Response(null, { status: 202 });
    }
    if (request.method === "POST" && /^\/v1\/installations\/[^/]+\/events$/.test(url.pathname)) {
      return new Response(null, { status: 201 });
    }
    return Response.json({ error: { code: "not_found" } }, { status: 404 });
  };
  return {
    fetch,
    calls,
    /** Answer the next action PATCHes with these statuses before accepting again. */
    failNextPatches: (...statuses: number[]) => patchFailures.push(...statuses),
    /** While down, every action PATCH is a 503. */
    setDown: (value: boolean) => {
      down = value;
    },
    actionReports: () =>
      calls
        .filter((call) => call.method === "PATCH")
        .map(
          (call) =>
            call.body as {
              status: string;
              statusText?: string;
              outcomes?: { kind: string; secrets: { name: string; value: string }[] }[];
            },
        ),
  };
}
