export declare const GET: (request: Request) => Promise<Response>;
