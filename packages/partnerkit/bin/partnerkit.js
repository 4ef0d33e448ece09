#!/usr/bin/env node
// The compiled CLI: plain Node, no TypeScript loader (`npm run build` writes dist/).
await import("../dist/cli/main.js");
