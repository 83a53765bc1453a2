diff $FIXTURES/../fidelity-numa/16-numa-maps-policy-modes.vml --linux-results $FIXTURES/numa/guest-6.1-16-numa-maps-policy-modes.res --quiet
