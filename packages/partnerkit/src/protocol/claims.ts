import { z } from "zod";

/** Claims of a user-auth token, spec §2.2. Unknown claims (exp, iat, nbf…) are tolerated. */
export const UserClaims = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.string(),
  type: z.enum(["access_token", "id_token"]).optional(),
  account_id: z.string().min(1),
  installation_id: z.string().min(1),
  user_id: z.string().min(1),
  user_role: z.enum(["ADMIN", "USER"]),
  user_email: z.string().optional(),
  user_name: z.string().optional(),
  user_avatar_url: z.string().optional(),
});
export type UserClaims = z.infer<typeof UserClaims>;

/**
 * Claims of a system-auth token, spec §2.3. `sub`, `account_id` and `installation_id` may be
 * absent or null on calls made before any installation exists (product plans).
 */
export const SystemClaims = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.string().nullish(),
  type: z.enum(["access_token", "id_token"]).optional(),
  account_id: z.string().nullish(),
  installation_id: z.string().nullish(),
});
export type SystemClaims = z.infer<typeof SystemClaims>;

export type AuthType = "user" | "system";

export type VerifiedCaller =
  | { authType: "user"; claims: UserClaims }
  | { authType: "system"; claims: SystemClaims };
