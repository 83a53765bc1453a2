run $FIXTURES/trace/replay-bad-record.vml
