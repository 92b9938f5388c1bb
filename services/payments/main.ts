import { runService } from "../lib/server.js";
import { buildPayments, PAYMENTS_SETTINGS } from "./app.js";

await runService("payments", PAYMENTS_SETTINGS, buildPayments);
