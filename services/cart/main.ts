import { runService } from "../lib/server.js";
import { buildCart, CART_SETTINGS } from "./app.js";

await runService("cart", CART_SETTINGS, buildCart);
