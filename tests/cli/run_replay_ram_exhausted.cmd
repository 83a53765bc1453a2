run - < $FIXTURES/trace/replay-ram-exhausted.vml | grep "killed by"
