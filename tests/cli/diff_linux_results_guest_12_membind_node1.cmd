diff $FIXTURES/../fidelity-numa/12-membind-node1.vml --linux-results $FIXTURES/numa/guest-6.1-12-membind-node1.res --quiet
