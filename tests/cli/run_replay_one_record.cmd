run $FIXTURES/trace/replay-one.vml | grep '^replay'
