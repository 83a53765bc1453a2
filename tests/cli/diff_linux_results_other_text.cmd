diff $FIXTURES/../fidelity-numa/01-first-touch-node0.vml --linux-results $FIXTURES/numa/other-text.res
