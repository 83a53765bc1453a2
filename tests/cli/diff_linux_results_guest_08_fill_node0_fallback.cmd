diff $FIXTURES/../fidelity-numa/08-fill-node0-fallback.vml --linux-results $FIXTURES/numa/guest-6.1-08-fill-node0-fallback.res --quiet
