#!/usr/bin/env node
// The installed command: runs the compiled CLI (built by `npm install` / `npm run build`).
import '../dist/src/cli/edgesnap.js';
