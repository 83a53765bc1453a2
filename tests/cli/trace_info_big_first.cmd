trace info $FIXTURES/trace/big-first.lackey
