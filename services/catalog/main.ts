import { runService } from "../lib/server.js";
import { buildCatalog, CATALOG_SETTINGS } from "./app.js";

await runService("catalog", CATALOG_SETTINGS, buildCatalog);
