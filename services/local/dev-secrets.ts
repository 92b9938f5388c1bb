/**
 * Secrets for a shop on this machine only (npm run shop, docker-compose, the tests). A cluster
 * reads its own from Kubernetes Secrets created outside Git; nothing here reaches a chart.
 */

/** Signs the frontend's session cookies on loopback. */
export const LOCAL_SESSION_SECRET = "meshpilot-local-session-secret-not-for-production";
