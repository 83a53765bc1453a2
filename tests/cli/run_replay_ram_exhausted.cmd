run $FIXTURES/trace/replay-ram-exhausted.vml
