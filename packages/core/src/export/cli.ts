#!/usr/bin/env node
// The `losskit` executable (see ./cliMain.ts): `losskit export [options] '<expression>'`.
import { main } from './cliMain.js';

process.exitCode = await main(process.argv.slice(2));
