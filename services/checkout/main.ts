import { runService } from "../lib/server.js";
import { buildCheckout, CHECKOUT_SETTINGS } from "./app.js";

await runService("checkout", CHECKOUT_SETTINGS, buildCheckout);
