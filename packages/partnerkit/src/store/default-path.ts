/** Where the embedded SQLite database lives when `DATABASE_URL` is not set (DESIGN §3). */
export const DEFAULT_DATABASE_PATH = ".partnerkit/partnerkit.db";
