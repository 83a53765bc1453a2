diff $FIXTURES/../fidelity-numa/06-fork-cow-copy-node.vml --linux-results $FIXTURES/numa/guest-6.1-06-fork-cow-copy-node.res --quiet
