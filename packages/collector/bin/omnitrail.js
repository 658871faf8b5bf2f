#!/usr/bin/env node
// The `omnitrail` command. A committed file rather than dist/cli.js itself: package managers
// link bins at install time, before the first build, and warn when the target does not exist yet.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
