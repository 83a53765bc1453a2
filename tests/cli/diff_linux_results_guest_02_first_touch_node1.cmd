diff $FIXTURES/../fidelity-numa/02-first-touch-node1.vml --linux-results $FIXTURES/numa/guest-6.1-02-first-touch-node1.res --quiet
