import { runService } from "../lib/server.js";
import { buildRecommendation, RECOMMENDATION_SETTINGS } from "./app.js";

await runService("recommendation", RECOMMENDATION_SETTINGS, buildRecommendation);
