import { describe, expect, it } from "vitest";
import { takePrepareParameter } from "../../packages/partnerkit/src/store/prepared-statements.ts";

const BASE = "postgres://app:secret@db.example.com:5432/app";

describe("the prepare parameter of a PostgreSQL URL", () => {
  it("is on when absent, and the URL is passed on as it is", () => {
    expect(takePrepareParameter(BASE)).toEqual({ url: BASE, prepare: true });
    expect(takePrepareParameter(`${BASE}?sslmode=require`)).toEqual({
      url: `${BASE}?sslmode=require`,
      prepare: true,
    });
  });

  it("is read and taken out wherever it stands, the other parameters kept", () => {
    expect(takePrepareParameter(`${BASE}?prepare=false`)).toEqual({ url: BASE, prepare: false });
    expect(takePrepareParameter(`${BASE}?prepare=false&sslmode=require`)).toEqual({
      url: `${BASE}?sslmode=require`,
      prepare: false,
    });
    expect(takePrepareParameter(`${BASE}?sslmode=require&prepare=true`)).toEqual({
      url: `${BASE}?sslmode=require`,
      prepare: true,
    });
    expect(takePrepareParameter(`${BASE}?a=1&prepare=false&b=2`)).toEqual({
      url: `${BASE}?a=1&b=2`,
      prepare: false,
    });
  });

  it("refuses a value other than true or false, naming it", () => {
    expect(() => takePrepareParameter(`${BASE}?prepare=no`)).toThrow(
      'DATABASE_URL: prepare must be true or false, not "no"',
    );
  });
});
