import { runService } from "../lib/server.js";
import { buildFrontend, FRONTEND_SETTINGS } from "./app.js";

await runService("frontend", FRONTEND_SETTINGS, buildFrontend);
