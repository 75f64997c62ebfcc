// Child process for the embedded-warehouse tests: starts the embedded Postgres on a folder,
// creates a marker table, prints one JSON line, then holds the folder until killed.
import pg from "pg";
import { startEmbedded } from "../../warehouse/postgres/embedded.js";

const dir = process.argv[2]!;
const h = await startEmbedded({ dir });
const c = new pg.Client({ connectionString: h.url });
await c.connect();
await c.query("CREATE TABLE IF NOT EXISTS marker (pid int)");
await c.query("INSERT INTO marker VALUES ($1)", [process.pid]);
await c.end();
process.stdout.write(JSON.stringify({ pid: process.pid, port: h.port, url: h.url }) + "\n");
setInterval(() => {}, 1 << 30);
