/**
 * Istio's default buckets for istio_request_duration_milliseconds (the stats filter's
 * defaults), in milliseconds. The test exporter publishes them and the simulator's telemetry
 * counts into them, so both give PromQL the resolution a real mesh gives it.
 */
export const ISTIO_DURATION_BUCKETS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];
