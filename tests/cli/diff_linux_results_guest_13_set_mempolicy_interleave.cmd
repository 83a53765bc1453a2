diff $FIXTURES/../fidelity-numa/13-set-mempolicy-interleave.vml --linux-results $FIXTURES/numa/guest-6.1-13-set-mempolicy-interleave.res --quiet
