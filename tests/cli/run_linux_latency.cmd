run --on linux --latency -
