/** The namespace the speed benchmark's destinations live in. */
export const BENCH_NAMESPACE = "bench";
