import { runService } from "../lib/server.js";
import { buildOrders, ORDERS_SETTINGS } from "./app.js";

await runService("orders", ORDERS_SETTINGS, buildOrders);
